import type { AttachmentImage, AttachmentImageParams } from '$lib/types';
import { call } from './ipc';

/** A stored image as a `data:` URL the page can show. */
export function imageUrl(image: AttachmentImage): string {
	return `data:${image.mime_type};base64,${image.data}`;
}

/** Attached images for the page: scaled down by the backend (thumbnails, larger views). Stateless. */
export const AttachmentImagesService = {
	get: (params: AttachmentImageParams): Promise<AttachmentImage> =>
		call('get_attachment_image', params)
};
