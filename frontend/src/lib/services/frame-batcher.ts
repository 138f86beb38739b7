export type FrameScheduler = (callback: () => void) => void;

const defaultScheduler: FrameScheduler = (callback) => {
	if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => callback());
	else setTimeout(callback, 16);
};

/**
 * Collects stream deltas per message and applies them at most once per animation frame.
 * `flush()` applies pending deltas at once (e.g. before a stream's final message).
 */
export class FrameBatcher {
	private pending = new Map<string, { content: string; reasoning: string }>();
	private scheduled = false;

	constructor(
		private readonly apply: (messageId: string, content: string, reasoning: string) => void,
		private readonly schedule: FrameScheduler = defaultScheduler
	) {}

	push(messageId: string, content: string, reasoning: string): void {
		const entry = this.pending.get(messageId);
		if (entry) {
			entry.content += content;
			entry.reasoning += reasoning;
		} else {
			this.pending.set(messageId, { content, reasoning });
		}
		if (!this.scheduled) {
			this.scheduled = true;
			this.schedule(() => this.flush());
		}
	}

	flush(): void {
		this.scheduled = false;
		const batch = this.pending;
		this.pending = new Map();
		for (const [messageId, { content, reasoning }] of batch)
			this.apply(messageId, content, reasoning);
	}

	/** Forget pending deltas (e.g. when the conversation is closed). */
	drop(): void {
		this.pending.clear();
	}
}
