import { LlamaService } from '$lib/services/llama';

/** How long typing must pause before the draft is read ahead. */
export const READ_AHEAD_DEBOUNCE_MS = 400;

type Timer = (callback: () => void, ms: number) => unknown;

/** `text` without its last word (it may still grow) and the whitespace around it. */
export function beforeLastWord(text: string): string {
	return text.replace(/\s*\S+\s*$/, '');
}

/**
 * Reads the message being typed ahead: once typing pauses, the draft goes to the backend
 * (`read_ahead_draft`), which reads it, cut before its last word, into the conversation's
 * slot while nothing streams, so the send reads only the last words. Sent only when that cut
 * has words the last one sent in this conversation had not; its failure is ignored
 * (the send reads the words itself).
 */
export class ReadAheadStore {
	private pending: unknown = null;
	private conversationId: string | null = null;
	private sent = '';

	constructor(
		private readonly setTimer: Timer = (callback, ms) => setTimeout(callback, ms),
		private readonly clearTimer: (handle: unknown) => void = (handle) =>
			clearTimeout(handle as ReturnType<typeof setTimeout>)
	) {}

	/** The draft of `conversationId` changed; `idle`: nothing streams there. */
	typed(conversationId: string | null, draft: string, idle: boolean): void {
		if (this.pending !== null) this.clearTimer(this.pending);
		this.pending = null;
		if (conversationId !== this.conversationId) {
			this.conversationId = conversationId;
			this.sent = '';
		}
		const words = beforeLastWord(draft);
		if (words === '') this.sent = '';
		// Nothing new: the same words, or fewer of them (the slot already holds those).
		if (this.sent.startsWith(words) || conversationId === null || !idle) return;
		this.pending = this.setTimer(() => {
			this.pending = null;
			this.sent = words;
			LlamaService.readAheadDraft(conversationId, draft).catch(() => undefined);
		}, READ_AHEAD_DEBOUNCE_MS);
	}
}

export const readAheadStore = new ReadAheadStore();
