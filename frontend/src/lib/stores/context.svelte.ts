import { LlamaService } from '$lib/services/llama';
import type { ContextUsage } from '$lib/types';
import { contextLevel, type ContextLevel } from '$lib/utils/context-meter';

/** How long typing must pause before the draft is counted again. */
export const CONTEXT_DEBOUNCE_MS = 300;

type Timer = (callback: () => void, ms: number) => unknown;

/**
 * The context meter under the message box: the tokens the next prompt would take (the open
 * conversation and the draft) of one slot's context, counted by the backend with the model's
 * own template. Counted again as the draft changes (debounced), when another conversation is
 * opened and after each answer; an answer to an older count is dropped.
 */
export class ContextStore {
	usage = $state<ContextUsage | null>(null);
	error = $state<string | null>(null);
	private seq = 0;
	private pending: unknown = null;

	readonly level: ContextLevel | null = $derived(this.usage ? contextLevel(this.usage) : null);

	constructor(
		private readonly setTimer: Timer = (callback, ms) => setTimeout(callback, ms),
		private readonly clearTimer: (handle: unknown) => void = (handle) =>
			clearTimeout(handle as ReturnType<typeof setTimeout>)
	) {}

	/** Count `draft` in `conversationId` (null: a new chat) after a pause in typing. */
	measure(conversationId: string | null, draft: string): void {
		if (this.pending !== null) this.clearTimer(this.pending);
		this.pending = this.setTimer(() => {
			this.pending = null;
			void this.count(conversationId, draft);
		}, CONTEXT_DEBOUNCE_MS);
	}

	async count(conversationId: string | null, draft: string): Promise<void> {
		const seq = ++this.seq;
		try {
			const usage = await LlamaService.contextUsage(conversationId, draft);
			if (seq !== this.seq) return;
			this.usage = usage;
			this.error = null;
		} catch (error) {
			if (seq !== this.seq) return;
			this.usage = null;
			this.error = error instanceof Error ? error.message : String(error);
		}
	}
}

export const contextStore = new ContextStore();
