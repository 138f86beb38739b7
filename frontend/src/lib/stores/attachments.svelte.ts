import { PASTED_FILE_NAME } from '$lib/constants/attachments';
import { AttachmentsService } from '$lib/services/attachments';
import type { Attachment, AttachmentChoice, TokenCounts } from '$lib/types';

/** An attachment of the message being written, with the pages chosen (PDF). */
export interface DraftAttachment {
	attachment: Attachment;
	firstPage: number | null;
	lastPage: number | null;
	/** Made from a long paste: it can be turned back into text. */
	pasted: boolean;
}

/** A file's text open in the viewer. */
export interface ViewedAttachment {
	attachment: Attachment;
	text: string;
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/**
 * The files attached to the message being written (uploaded or picked, so already stored by
 * the backend), their token counts against the context left, and the text viewer that the
 * chips in the form and under sent messages open.
 */
export class AttachmentsStore {
	draft = $state<DraftAttachment[]>([]);
	/** One sentence per file that could not be attached. */
	refused = $state<string[]>([]);
	/** Files being uploaded or read. */
	pending = $state(0);
	counts = $state<TokenCounts | null>(null);
	countError = $state<string | null>(null);
	viewing = $state<ViewedAttachment | null>(null);
	viewError = $state<string | null>(null);
	private countSeq = 0;
	private pastes = 0;

	/** Tokens the text and every attachment take together (null before they are counted). */
	readonly totalTokens = $derived(
		this.counts
			? this.counts.text_tokens + this.counts.attachments.reduce((sum, a) => sum + a.tokens, 0)
			: null
	);

	/** Whether the message, as it stands, is larger than the context left. */
	readonly overflows = $derived(
		this.counts !== null &&
			this.totalTokens !== null &&
			this.counts.attachments.length > 0 &&
			this.totalTokens > this.counts.context_left
	);

	/** Whether the window's file dialog picks files (else the page's file input). */
	get nativeDialog(): boolean {
		return AttachmentsService.hasNativeDialog();
	}

	/** The choices to send with the message. */
	choices(): AttachmentChoice[] {
		return this.draft.map((item) => ({
			id: item.attachment.id,
			name: item.attachment.name,
			first_page: item.firstPage,
			last_page: item.lastPage
		}));
	}

	/** Tokens of the draft attachment at `index` as last counted (null: not counted yet). */
	tokensAt(index: number): number | null {
		const counted = this.counts?.attachments;
		if (!counted || counted.length !== this.draft.length) return null;
		return counted[index]?.tokens ?? null;
	}

	private add(attachment: Attachment, pasted = false): void {
		this.draft = [...this.draft, { attachment, firstPage: null, lastPage: null, pasted }];
	}

	private async adding(task: () => Promise<void>): Promise<void> {
		this.pending += 1;
		try {
			await task();
		} finally {
			this.pending -= 1;
		}
	}

	/** Upload files (drop, paste, the page's file input), each refused one with its reason. */
	async addFiles(files: Iterable<File>): Promise<void> {
		this.refused = [];
		for (const file of files) {
			await this.adding(async () => {
				try {
					this.add(await AttachmentsService.upload(file));
				} catch (error) {
					this.refused = [...this.refused, describe(error)];
				}
			});
		}
	}

	/** Pick files with the window's native dialog (the backend reads them by path). */
	async pick(): Promise<void> {
		this.refused = [];
		await this.adding(async () => {
			try {
				const picked = await AttachmentsService.pick();
				for (const attachment of picked.attachments) this.add(attachment);
				this.refused = (picked.refused ?? []).map((file) => file.message);
			} catch (error) {
				this.refused = [describe(error)];
			}
		});
	}

	/** Attach a long paste as a text file instead of putting it into the message. */
	async pasteAsFile(text: string): Promise<void> {
		this.pastes += 1;
		const suffix = this.pastes > 1 ? `-${this.pastes}` : '';
		const file = new File([text], `${PASTED_FILE_NAME}${suffix}.txt`, { type: 'text/plain' });
		await this.adding(async () => {
			try {
				this.add(await AttachmentsService.upload(file), true);
			} catch (error) {
				this.refused = [describe(error)];
			}
		});
	}

	/** Take the draft attachment at `index` out of the message and give back its text. */
	async backToText(index: number): Promise<string | null> {
		const item = this.draft[index];
		if (!item) return null;
		try {
			const { text } = await AttachmentsService.text({ id: item.attachment.id });
			this.remove(index);
			return text;
		} catch (error) {
			this.refused = [describe(error)];
			return null;
		}
	}

	remove(index: number): void {
		this.draft = this.draft.filter((_, i) => i !== index);
		if (this.draft.length === 0) this.counts = null;
	}

	/** Send only pages `first` to `last` of a PDF (null: from the start / to the end). */
	setPages(index: number, first: number | null, last: number | null): void {
		this.draft = this.draft.map((item, i) =>
			i === index ? { ...item, firstPage: first, lastPage: last } : item
		);
	}

	/** Count the text's and each attachment's tokens against the conversation's context. */
	async recount(conversationId: string | null, content: string): Promise<void> {
		if (this.draft.length === 0) {
			this.counts = null;
			this.countError = null;
			return;
		}
		const seq = ++this.countSeq;
		try {
			const counts = await AttachmentsService.countTokens({
				conversation_id: conversationId,
				content,
				attachments: this.choices()
			});
			if (seq !== this.countSeq) return;
			this.counts = counts;
			this.countError = null;
		} catch (error) {
			if (seq !== this.countSeq) return;
			this.counts = null;
			this.countError = describe(error);
		}
	}

	/** The message was sent: start afresh. */
	clear(): void {
		this.draft = [];
		this.refused = [];
		this.counts = null;
		this.countError = null;
		this.countSeq += 1;
	}

	/** Open an attachment's text (the pages it was sent with) in the viewer. */
	async open(attachment: Attachment): Promise<void> {
		this.viewError = null;
		try {
			const { text } = await AttachmentsService.text({
				id: attachment.id,
				first_page: attachment.first_page ?? null,
				last_page: attachment.last_page ?? null
			});
			this.viewing = { attachment, text };
		} catch (error) {
			this.viewError = describe(error);
		}
	}

	close(): void {
		this.viewing = null;
	}
}

export const attachmentsStore = new AttachmentsStore();
