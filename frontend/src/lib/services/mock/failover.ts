import type { BridgeEvent, FailoverAnswer, FailoverQuestion, Fallback, Message } from '$lib/types';
import type { FailoverChoice } from '$lib/constants/failover';
import { MockFailure } from './errors';
import type { LiveAnswer, Stoppable } from './tool-rounds';

/** The provider the mock's `/failover` answers fall back to (a remote llama-server). */
export const MOCK_STAND_IN = {
	provider_id: 'p-desktop',
	provider_name: 'Desktop',
	model: 'Qwen2.5-7B-Instruct'
} as const;

/** Why the mock's local model stops answering, as the backend's router says it. */
export const MOCK_FAILOVER_REASON =
	'Lost the connection to llama-server (POST /v1/chat/completions).';

/** Who writes a part of a mock answer, as the backend records it on the message. */
export interface MockWriter {
	provider_id: string;
	provider_name: string;
	model: string;
	/** What happened when another provider took over. */
	failover?: string;
}

export interface FailoverHost {
	emit: (event: BridgeEvent) => void;
	update: (messageId: string, patch: Partial<Message>) => Message;
	/** Make the paused answer what Stop ends in its conversation. */
	register: (conversationId: string, paused: Stoppable) => void;
	/** Stream `tokens` on into the message, written by `writer` (null: the conversation's own). */
	stream: (streamId: string, message: Message, tokens: string[], writer: MockWriter | null) => void;
	ended: (message: Message) => void;
	/** The fall-backs changed: tell the page (`providers_changed`). */
	fallbacksChanged: () => void;
	/** How long a fall-back lasts before the local server counts as healthy again. */
	healMs: number;
}

/** Port of `question_text` in `backend/chat/_failover_ask.py`. */
function questionText(reason: string): string {
	const to = `${MOCK_STAND_IN.provider_name}/${MOCK_STAND_IN.model}`;
	return `The local model is not answering (${reason.replace(/\.$/, '')}). Continue with ${to}?`;
}

/** Port of the router's `_note` for a cut answer continued where it stopped. */
function failoverNote(reason: string, cut: boolean): string {
	const why = reason.replace(/\.$/, '');
	return cut
		? `This computer stopped mid-answer (${why}); ${MOCK_STAND_IN.provider_name} finished it from where it stopped.`
		: `This computer could not answer (${why}); ${MOCK_STAND_IN.provider_name} answered instead.`;
}

/** One answer paused on its question: Stop ends it (cancelled, its text kept). */
class PausedAnswer implements Stoppable {
	active = true;

	constructor(
		readonly question: FailoverQuestion,
		readonly message: Message,
		readonly rest: string[],
		private readonly host: FailoverHost,
		private readonly expire: (why: string) => void
	) {}

	live(): LiveAnswer {
		return {
			stream: {
				stream_id: this.question.stream_id,
				message_id: this.message.id,
				progress: null,
				question: this.question
			},
			content: this.message.content,
			reasoning: this.message.reasoning,
			probs: null
		};
	}

	cancel(): void {
		if (!this.active) return;
		this.active = false;
		this.expire('its answer has ended');
		const message = this.host.update(this.message.id, { status: 'cancelled' });
		this.host.emit({
			type: 'stream_end',
			stream_id: this.question.stream_id,
			conversation_id: message.conversation_id,
			message
		});
		this.host.ended(message);
	}
}

/**
 * Port of `backend.chat._failover_ask` and the router's `ask` policy for the mock's `/failover`
 * prompts: the answer pauses on a question; Continue streams the rest as the stand-in and
 * begins a fall-back (the banner) that ends after `healMs`; Wait for local streams the rest as
 * the local server when the answer had not begun, and otherwise ends as off does; Cancel ends
 * the answer with the error, its text kept. A question whose answer ended is expired.
 */
export class MockFailover {
	private paused = new Map<string, PausedAnswer>();
	private ended = new Map<string, string>();
	private nextId = 1;
	fallbacks: Fallback[] = [];

	constructor(private readonly host: FailoverHost) {}

	/** The answer's text so far is out and its provider stopped: ask the page. */
	ask(streamId: string, message: Message, rest: string[]): void {
		const question: FailoverQuestion = {
			id: `q-mock-${this.nextId++}`,
			stream_id: streamId,
			conversation_id: message.conversation_id,
			message_id: message.id,
			from_provider_id: 'local',
			from_provider_name: 'This computer',
			to_provider_id: MOCK_STAND_IN.provider_id,
			to_provider_name: MOCK_STAND_IN.provider_name,
			to_model: MOCK_STAND_IN.model,
			reason: MOCK_FAILOVER_REASON,
			cut: message.content !== '',
			text: questionText(MOCK_FAILOVER_REASON)
		};
		const paused = new PausedAnswer(question, message, rest, this.host, (why) => {
			this.paused.delete(question.id);
			this.ended.set(question.id, why);
		});
		this.paused.set(question.id, paused);
		this.host.register(message.conversation_id, paused);
		this.host.emit({ type: 'failover_question', question });
	}

	/** `answer_failover`, like `FailoverQuestions.answer`. */
	answer(questionId: string, choice: FailoverChoice): FailoverAnswer {
		const paused = this.paused.get(questionId);
		if (!paused) {
			const why = this.ended.get(questionId);
			if (why === undefined)
				throw new MockFailure('not_found', `There is no failover question '${questionId}'.`);
			throw new MockFailure('conflict', `This question has expired: ${why}.`);
		}
		paused.active = false;
		this.paused.delete(questionId);
		this.ended.set(questionId, `it was answered (${choice})`);
		const { question } = paused;
		this.host.emit({
			type: 'failover_answered',
			stream_id: question.stream_id,
			conversation_id: question.conversation_id,
			message_id: question.message_id,
			question_id: questionId,
			choice
		});
		setTimeout(() => this.decided(paused, choice), 0);
		return { question_id: questionId, choice };
	}

	private decided(paused: PausedAnswer, choice: FailoverChoice): void {
		const { question, message, rest } = paused;
		if (choice === 'continue') return this.fallBack(paused);
		if (choice === 'wait' && !question.cut)
			return this.host.stream(question.stream_id, message, rest, null);
		const error = {
			code: 'server_unavailable' as const,
			message: question.reason,
			detail: null,
			fields: []
		};
		const stored = this.host.update(message.id, { status: 'error', error: error.message });
		this.host.emit({
			type: 'stream_error',
			stream_id: question.stream_id,
			conversation_id: stored.conversation_id,
			message: stored,
			error
		});
		this.host.ended(stored);
	}

	private fallBack({ question, message, rest }: PausedAnswer): void {
		const note = failoverNote(question.reason, question.cut);
		this.host.emit({
			type: 'stream_notice',
			stream_id: question.stream_id,
			conversation_id: message.conversation_id,
			message_id: message.id,
			kind: 'provider_failover',
			text: note,
			server_id: null,
			server_name: null,
			reason: null,
			provider_id: MOCK_STAND_IN.provider_id,
			provider_name: MOCK_STAND_IN.provider_name
		});
		const fallback: Fallback = {
			provider_id: 'local',
			provider_name: 'This computer',
			model: '*',
			to_provider_id: MOCK_STAND_IN.provider_id,
			to_provider_name: MOCK_STAND_IN.provider_name,
			to_model: MOCK_STAND_IN.model,
			reason: question.reason,
			since: new Date().toISOString()
		};
		this.fallbacks = [fallback];
		this.host.fallbacksChanged();
		setTimeout(() => this.heal(fallback), this.host.healMs);
		this.host.stream(question.stream_id, message, rest, { ...MOCK_STAND_IN, failover: note });
	}

	/** The local server is healthy again: the fall-back ends. */
	private heal(fallback: Fallback): void {
		if (!this.fallbacks.includes(fallback)) return;
		this.fallbacks = this.fallbacks.filter((f) => f !== fallback);
		this.host.fallbacksChanged();
	}
}
