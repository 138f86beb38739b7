import { SvelteMap, SvelteSet } from 'svelte/reactivity';
import { THUMBNAILS_KEPT, THUMBNAIL_SIDE, VIEW_SIDE } from '$lib/constants/images';
import { AttachmentImagesService, imageUrl } from '$lib/services/attachment-images';
import type { Attachment } from '$lib/types';

/** An image opened to view it larger. */
export interface ViewedImage {
	attachment: Attachment;
	url: string;
	width: number;
	height: number;
	sourceWidth: number;
	sourceHeight: number;
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/**
 * Attached images as the page shows them: thumbnails (asked for once per image, the last
 * `THUMBNAILS_KEPT` kept) and one image open larger. The backend scales them down
 * (`get_attachment_image`), so a 12-megapixel photo never crosses the bridge whole.
 */
export class AttachmentImagesStore {
	/** `data:` URLs by attachment id. */
	readonly thumbnails = new SvelteMap<string, string>();
	/** Why a thumbnail could not be shown, by attachment id. */
	readonly failures = new SvelteMap<string, string>();
	viewing = $state<ViewedImage | null>(null);
	viewError = $state<string | null>(null);
	private readonly loading = new SvelteSet<string>();

	/** Fetch the thumbnail of `id` unless it is here or on its way. */
	async load(id: string): Promise<void> {
		if (this.thumbnails.has(id) || this.failures.has(id) || this.loading.has(id)) return;
		this.loading.add(id);
		try {
			const image = await AttachmentImagesService.get({ id, max_side: THUMBNAIL_SIDE });
			this.thumbnails.set(id, imageUrl(image));
			while (this.thumbnails.size > THUMBNAILS_KEPT) {
				const oldest = this.thumbnails.keys().next().value;
				if (oldest === undefined) break;
				this.thumbnails.delete(oldest);
			}
		} catch (error) {
			this.failures.set(id, describe(error));
		} finally {
			this.loading.delete(id);
		}
	}

	/** Open `attachment` larger (scaled to the window by the page, at most `VIEW_SIDE`). */
	async open(attachment: Attachment): Promise<void> {
		this.viewError = null;
		try {
			const image = await AttachmentImagesService.get({ id: attachment.id, max_side: VIEW_SIDE });
			this.viewing = {
				attachment,
				url: imageUrl(image),
				width: image.width,
				height: image.height,
				sourceWidth: image.source_width,
				sourceHeight: image.source_height
			};
		} catch (error) {
			this.viewError = describe(error);
		}
	}

	close(): void {
		this.viewing = null;
	}
}

export const attachmentImagesStore = new AttachmentImagesStore();
