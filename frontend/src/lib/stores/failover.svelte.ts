import { EVENT } from '$lib/constants/bridge';
import { FAILOVER_EVENT, type FailoverChoice } from '$lib/constants/failover';
import { BridgeEvents } from '$lib/services/events';
import { FailoverService } from '$lib/services/failover';
import type { BridgeEvent, Conversation, FailoverQuestion, Fallback, Message } from '$lib/types';
import { messageOf } from '$lib/services/bridge-error';

/** `record` without `key` (a new object, so the state changes). */
function without<T>(record: Record<string, T>, key: string): Record<string, T> {
	return Object.fromEntries(Object.entries(record).filter(([name]) => name !== key));
}

/**
 * The `ask` failover policy's questions (an answer paused until the user chooses Continue, Wait
 * for local or Cancel) and the fall-backs in force (the banner: gone when the primary is healthy
 * again). Questions come as `failover_question` and in a conversation opened mid-question
 * (`Conversation.stream.question`); they close when answered here or in another window
 * (`failover_answered`) or when their answer ends.
 */
export class FailoverStore {
	/** The question each conversation's answer is paused on, by conversation id. */
	questions = $state<Record<string, FailoverQuestion>>({});
	/** The question whose choice is on its way to the backend. */
	answering = $state<string | null>(null);
	/** Why the last choice was refused (the question had expired), by conversation id. */
	errors = $state<Record<string, string>>({});
	/** The primaries being stood in for now. */
	fallbacks = $state<Fallback[]>([]);
	/** Each shown conversation's provider (the primary its fall-backs are from). */
	private primaries = $state<Record<string, string>>({});

	constructor() {
		BridgeEvents.subscribe((event) => this.handle(event));
	}

	handle(event: BridgeEvent): void {
		if (event.type === FAILOVER_EVENT.question) this.ask(event.question);
		else if (event.type === FAILOVER_EVENT.answered)
			this.close(event.conversation_id, event.question_id);
		else if (event.type === EVENT.streamEnd || event.type === EVENT.streamError) {
			const asked = this.questions[event.conversation_id];
			if (asked?.stream_id === event.stream_id) this.close(event.conversation_id, asked.id);
		} else if (event.type === FAILOVER_EVENT.providersChanged)
			this.fallbacks = event.providers.fallbacks ?? [];
	}

	private ask(question: FailoverQuestion): void {
		this.questions = { ...this.questions, [question.conversation_id]: question };
		this.errors = without(this.errors, question.conversation_id);
	}

	private close(conversationId: string, questionId: string): void {
		if (this.questions[conversationId]?.id === questionId)
			this.questions = without(this.questions, conversationId);
	}

	/** A conversation was shown: its provider, and the question its answer is paused on. */
	adopt(conversation: Conversation): void {
		this.primaries = { ...this.primaries, [conversation.id]: conversation.provider_id ?? 'local' };
		const asked = conversation.stream?.question ?? null;
		const shown = this.questions[conversation.id];
		if (asked) this.ask(asked);
		else if (shown) this.close(conversation.id, shown.id);
	}

	/** Why the last choice in a conversation was refused (an expired question), or null. */
	errorFor(conversationId: string | null): string | null {
		return conversationId === null ? null : (this.errors[conversationId] ?? null);
	}

	/** The question paused on the answer `messageId`, or null. */
	questionFor(messageId: string): FailoverQuestion | null {
		return Object.values(this.questions).find((q) => q.message_id === messageId) ?? null;
	}

	/** The fall-back to name in a conversation's banner: from its provider, to a provider
	 * that wrote one of its answers; null when there is none (or the primary is back). */
	bannerFor(conversationId: string | null, messages: readonly Message[]): Fallback | null {
		if (conversationId === null) return null;
		const primary = this.primaries[conversationId] ?? 'local';
		const wrote = (providerId: string) =>
			messages.some((m) => m.role === 'assistant' && m.provider_id === providerId);
		return this.fallbacks.find((f) => f.provider_id === primary && wrote(f.to_provider_id)) ?? null;
	}

	/** The fall-backs in force now (at start-up; events keep them current). */
	async load(): Promise<void> {
		try {
			this.fallbacks = await FailoverService.fallbacks();
		} catch (error) {
			console.warn('could not read the fall-backs', messageOf(error));
		}
	}

	/** The user's choice for a paused answer; an expired question closes with why. */
	async answer(question: FailoverQuestion, choice: FailoverChoice): Promise<void> {
		if (this.answering !== null) return;
		this.answering = question.id;
		try {
			await FailoverService.answer(question.id, choice);
			this.close(question.conversation_id, question.id);
		} catch (error) {
			this.close(question.conversation_id, question.id);
			this.errors = { ...this.errors, [question.conversation_id]: messageOf(error) };
		} finally {
			this.answering = null;
		}
	}
}

export const failoverStore = new FailoverStore();
