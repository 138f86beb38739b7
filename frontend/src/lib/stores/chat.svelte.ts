import { EVENT } from '$lib/constants/bridge';
import { ConversationService } from '$lib/services/conversations';
import { FrameBatcher, type FrameScheduler } from '$lib/services/frame-batcher';
import { LlamaService, type StreamEvent } from '$lib/services/llama';
import type {
	AnswerToolCallParams,
	BridgeEventOf,
	Conversation,
	Message,
	StreamStarted,
	ToolCallInfo
} from '$lib/types';
import { mergeToolCall } from '$lib/utils/tool-calls';
import { conversationsStore } from './conversations.svelte';
import { serverStore } from './server.svelte';

interface ActiveStream {
	streamId: string;
	conversationId: string;
	messageId: string;
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/** The open conversation: its active branch, the running stream and the chat commands. */
export class ChatStore {
	conversationId = $state<string | null>(null);
	title = $state('');
	messages = $state<Message[]>([]);
	activeStream = $state<ActiveStream | null>(null);
	error = $state<string | null>(null);
	/** Notices of the open conversation's answers (e.g. the template takes no tools), by message. */
	notices = $state<Record<string, string[]>>({});
	/** Tool calls whose answer (run, deny) is on its way to the backend, by call id. */
	answering = $state<Record<string, boolean>>({});
	private openSeq = 0;
	/** Whether `messages` holds the open conversation (not just a freshly created one). */
	private loaded = false;
	private readonly batcher: FrameBatcher;
	private readonly unsubscribe: () => void;

	readonly isLoading = $derived(
		this.activeStream !== null && this.activeStream.conversationId === this.conversationId
	);
	readonly modelLoaded = $derived(serverStore.isReady);
	/** True between sending and the first token of the answer. */
	readonly awaitingFirstToken = $derived.by(() => {
		const stream = this.activeStream;
		if (!stream || stream.conversationId !== this.conversationId) return false;
		const message = this.messages.at(-1);
		return (
			message?.id === stream.messageId &&
			message.content === '' &&
			message.reasoning === '' &&
			(message.tool_calls ?? []).length === 0
		);
	});

	constructor(schedule?: FrameScheduler) {
		this.batcher = new FrameBatcher(
			(id, content, reasoning) => this.applyDelta(id, content, reasoning),
			schedule
		);
		this.unsubscribe = LlamaService.onStreamEvent((event) => this.handleStreamEvent(event));
	}

	/** Stop listening to stream events (the singleton lives as long as the page). */
	dispose(): void {
		this.unsubscribe();
		this.batcher.drop();
	}

	private findIndex(messageId: string): number {
		for (let index = this.messages.length - 1; index >= 0; index -= 1) {
			if (this.messages[index]?.id === messageId) return index;
		}
		return -1;
	}

	private applyDelta(messageId: string, content: string, reasoning: string): void {
		const message = this.messages[this.findIndex(messageId)];
		if (!message) return;
		if (content) message.content += content;
		if (reasoning) message.reasoning += reasoning;
	}

	private replaceMessage(final: Message): void {
		const index = this.findIndex(final.id);
		if (index >= 0) this.messages[index] = final;
	}

	private applyToolCall(messageId: string, call: ToolCallInfo): void {
		const message = this.messages[this.findIndex(messageId)];
		if (message) message.tool_calls = mergeToolCall(message.tool_calls ?? [], call);
	}

	/** A tool round ended: its message is complete and the answer goes on in the next one. */
	private applyRound(event: BridgeEventOf<'stream_round'>): void {
		if (event.conversation_id === this.conversationId) {
			this.batcher.flush();
			this.replaceMessage(event.message);
			if (this.findIndex(event.next_message.id) < 0) this.messages.push(event.next_message);
		}
		if (this.activeStream?.streamId === event.stream_id)
			this.activeStream = { ...this.activeStream, messageId: event.next_message.id };
	}

	private addNotice(messageId: string, text: string): void {
		this.notices = { ...this.notices, [messageId]: [...(this.notices[messageId] ?? []), text] };
	}

	handleStreamEvent(event: StreamEvent): void {
		const current = event.conversation_id === this.conversationId;
		if (event.type === EVENT.streamChunk) {
			if (current) this.batcher.push(event.message_id, event.content, event.reasoning);
			return;
		}
		if (event.type === EVENT.streamRound) return this.applyRound(event);
		if (event.type === EVENT.toolCall) {
			if (!current) return;
			// The text before the call shows before its card.
			this.batcher.flush();
			return this.applyToolCall(event.message_id, event.call);
		}
		if (event.type === EVENT.streamNotice) {
			if (current) this.addNotice(event.message_id, event.text);
			return;
		}
		if (current) {
			this.batcher.flush();
			this.replaceMessage(event.message);
		}
		if (this.activeStream?.streamId === event.stream_id) this.activeStream = null;
		if (event.type === EVENT.streamError && current) this.error = event.error.message;
	}

	private showConversation(conversation: Conversation): void {
		this.conversationId = conversation.id;
		this.title = conversation.title;
		this.messages = conversation.messages ?? [];
	}

	private forgetAnswers(): void {
		this.notices = {};
		this.answering = {};
	}

	async open(conversationId: string): Promise<void> {
		if (this.conversationId === conversationId && this.loaded) return;
		const seq = ++this.openSeq;
		this.loaded = false;
		this.batcher.drop();
		this.error = null;
		if (this.conversationId !== conversationId) {
			this.messages = [];
			this.forgetAnswers();
		}
		this.conversationId = conversationId;
		try {
			const conversation = await ConversationService.get(conversationId);
			if (seq !== this.openSeq) return;
			this.batcher.drop();
			this.showConversation(conversation);
			this.loaded = true;
		} catch (error) {
			if (seq === this.openSeq) this.error = describe(error);
		}
	}

	/** Leave the open conversation (the "new chat" screen). */
	close(): void {
		this.openSeq += 1;
		this.loaded = false;
		this.batcher.drop();
		this.conversationId = null;
		this.title = '';
		this.messages = [];
		this.error = null;
		this.forgetAnswers();
	}

	/**
	 * Show a new answer: the branch up to where it starts (the new user message's parent, or the
	 * answer's), then it. `keep` is used when that parent is not shown.
	 */
	private begin(started: StreamStarted, keep: number): void {
		if (started.conversation_id !== this.conversationId) return;
		const parentId = started.user_message
			? started.user_message.parent_id
			: started.assistant_message.parent_id;
		const parentIndex = parentId === null ? -1 : this.findIndex(parentId);
		const next = this.messages.slice(0, parentIndex >= 0 ? parentIndex + 1 : keep);
		if (started.user_message) next.push(started.user_message);
		next.push(started.assistant_message);
		this.messages = next;
		this.activeStream = {
			streamId: started.stream_id,
			conversationId: started.conversation_id,
			messageId: started.assistant_message.id
		};
	}

	private async run(task: () => Promise<void>): Promise<void> {
		this.error = null;
		try {
			await task();
		} catch (error) {
			this.error = describe(error);
		}
	}

	/** Send a message, creating the conversation first if none is open. Returns its id. */
	async send(content: string): Promise<string | null> {
		const text = content.trim();
		if (!text || this.isLoading) return this.conversationId;
		await this.run(async () => {
			if (!this.conversationId) {
				const id = await conversationsStore.create();
				if (!id) throw new Error(conversationsStore.error ?? 'Could not create a conversation.');
				this.conversationId = id;
				this.title = '';
				this.loaded = true;
			}
			const started = await LlamaService.sendStream(this.conversationId, text);
			this.begin(started, this.messages.length);
		});
		return this.conversationId;
	}

	async stop(): Promise<void> {
		const id = this.conversationId;
		if (!id || !this.isLoading) return;
		await this.run(async () => {
			await LlamaService.stop(id);
		});
	}

	async regenerate(messageId: string): Promise<void> {
		const index = this.findIndex(messageId);
		if (index < 0 || this.isLoading) return;
		await this.run(async () => this.begin(await LlamaService.regenerate(messageId), index));
	}

	/** Answer a tool call that waits for approval: run it (once, or from now on), or deny it. */
	async answerToolCall(answer: AnswerToolCallParams): Promise<void> {
		if (this.answering[answer.call_id]) return;
		this.answering = { ...this.answering, [answer.call_id]: true };
		try {
			await this.run(async () => {
				this.applyToolCall(answer.message_id, await LlamaService.answerToolCall(answer));
			});
		} finally {
			const rest = { ...this.answering };
			delete rest[answer.call_id];
			this.answering = rest;
		}
	}

	async continueMessage(messageId: string): Promise<void> {
		if (this.isLoading) return;
		await this.run(async () => {
			const started = await LlamaService.continueMessage(messageId);
			const message = this.messages[this.findIndex(messageId)];
			if (message) message.status = 'streaming';
			this.activeStream = {
				streamId: started.stream_id,
				conversationId: started.conversation_id,
				messageId
			};
		});
	}

	async edit(messageId: string, content: string): Promise<void> {
		const index = this.findIndex(messageId);
		if (index < 0 || this.isLoading || !content.trim()) return;
		await this.run(async () =>
			this.begin(await LlamaService.edit(messageId, content.trim()), index)
		);
	}

	/** Show the previous (-1) or next (+1) sibling of a message. */
	async selectSibling(messageId: string, offset: number): Promise<void> {
		const message = this.messages[this.findIndex(messageId)];
		const siblings = message?.sibling_ids ?? [];
		const target = siblings[siblings.indexOf(messageId) + offset];
		if (!target || this.isLoading) return;
		await this.run(async () => this.showConversation(await LlamaService.selectBranch(target)));
	}

	async deleteMessage(messageId: string): Promise<void> {
		if (this.isLoading) return;
		await this.run(async () => this.showConversation(await LlamaService.deleteMessage(messageId)));
	}

	async clear(): Promise<void> {
		const id = this.conversationId;
		if (!id) return;
		if (this.isLoading) await this.stop();
		await this.run(async () => this.showConversation(await ConversationService.clear(id)));
	}
}

export const chatStore = new ChatStore();
