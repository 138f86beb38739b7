import type {
	AnswerToolCallParams,
	BridgeEvent,
	LiveStream,
	Message,
	TokenProb,
	ToolCallInfo
} from '$lib/types';
import { afterToolsReply, type ScriptedReply } from './replies';
import { MockToolRound, notWaiting } from './tool-round';
import type { MockTools } from './tools';
import type { MockTree } from './tree';

/** What an answer under way looks like to a page that opens its conversation (`stream`). */
export interface LiveAnswer {
	stream: LiveStream;
	content: string;
	reasoning: string;
	/** Its token probabilities so far, when the conversation asks for them. */
	probs: TokenProb[] | null;
}

/** What Stop can end in a conversation: a stream of text, or a round of tool calls. */
export interface Stoppable {
	readonly active: boolean;
	cancel(): void;
	/** The answer as it is now, like the backend's `get_conversation` shows it. */
	live(): LiveAnswer;
}

export interface ToolRoundsHost {
	emit: (event: BridgeEvent) => void;
	tools: MockTools;
	tree: MockTree;
	/** How long a normal call runs. */
	callMs: number;
	resultMaxChars: () => number;
	templateTakesTools: () => boolean;
	/** Make the round what Stop ends in its conversation. */
	register: (conversationId: string, round: Stoppable) => void;
	/** Stream the model's next message of the same answer. */
	stream: (streamId: string, message: Message, reply: ScriptedReply) => void;
	ended: (message: Message) => void;
}

/** The mock's tool rounds: one per message whose calls are still open, and the user's answers. */
export class MockToolRounds {
	private rounds = new Map<string, MockToolRound>();

	constructor(private readonly host: ToolRoundsHost) {}

	/** The model's text is out and it calls tools: start the round. */
	begin(streamId: string, message: Message, reply: ScriptedReply): void {
		const round = new MockToolRound(streamId, message, reply.toolCalls ?? [], {
			emit: this.host.emit,
			tools: this.host.tools,
			update: (patch) => this.host.tree.patchMessage(message.id, patch),
			next: (done, anyRan) => this.next(streamId, done, (reply.after ?? afterToolsReply)(anyRan)),
			ended: (final) => {
				this.rounds.delete(message.id);
				this.host.ended(final);
			},
			callMs: this.host.callMs,
			resultMaxChars: this.host.resultMaxChars,
			templateTakesTools: this.host.templateTakesTools
		});
		this.rounds.set(message.id, round);
		this.host.register(message.conversation_id, round);
		round.start();
	}

	/** Every call of a round has ended: the answer goes on in a new message. */
	private next(streamId: string, message: Message, reply: ScriptedReply): void {
		this.rounds.delete(message.id);
		const next = this.host.tree.addMessage(
			message.conversation_id,
			message.id,
			'assistant',
			'',
			'streaming'
		);
		this.host.emit({
			type: 'stream_round',
			stream_id: streamId,
			conversation_id: message.conversation_id,
			message,
			next_message: next
		});
		this.host.stream(streamId, next, reply);
	}

	/** The user's answer (like `ChatOrchestrator.answer_tool_call`). */
	answer(answer: AnswerToolCallParams): ToolCallInfo {
		const round = this.rounds.get(answer.message_id);
		if (!round) throw notWaiting(answer);
		return round.answer(answer);
	}
}
