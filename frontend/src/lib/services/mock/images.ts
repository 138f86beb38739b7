import type { AttachmentImage } from '$lib/types';
import { MockFailure } from './errors';

/**
 * Images like `backend/images/_prepare.py`, with the browser's decoder instead of Pillow: an
 * image is decoded (its first frame), scaled down (never up) so its longest side is at most
 * `maxSide`, and re-encoded as PNG (a PNG or GIF source) or JPEG (quality 0.9); one that cannot
 * be decoded is refused with the backend's sentence. Needs a browser (`createImageBitmap`,
 * `OffscreenCanvas`); the mock's unit tests in Node do not show images.
 */

const LOSSLESS = new Set(['image/png', 'image/gif']);
const JPEG_QUALITY = 0.9;

function toBase64(bytes: Uint8Array): string {
	let binary = '';
	for (let start = 0; start < bytes.length; start += 0x8000)
		binary += String.fromCharCode(...bytes.subarray(start, start + 0x8000));
	return btoa(binary);
}

async function decoded(name: string, bytes: Uint8Array, mime: string): Promise<ImageBitmap> {
	if (typeof createImageBitmap === 'undefined')
		throw new MockFailure('internal', 'The mock reads images only in a browser.');
	try {
		return await createImageBitmap(new Blob([bytes as BlobPart], { type: mime }));
	} catch (error) {
		const reason = error instanceof Error ? error.message : String(error);
		throw new MockFailure('invalid_argument', `${name} is a damaged or cut-off image: ${reason}.`);
	}
}

/** Refuse an image that cannot be decoded, as the backend does when it is attached. */
export async function checkImage(name: string, bytes: Uint8Array, mime: string): Promise<void> {
	try {
		(await decoded(name, bytes, mime)).close();
	} catch (error) {
		if (error instanceof MockFailure && error.code === 'invalid_argument')
			throw new MockFailure('attachment_refused', error.message);
		throw error;
	}
}

/** `get_attachment_image`: the stored image scaled down to `maxSide`. */
export async function scaledImage(
	id: string,
	name: string,
	bytes: Uint8Array,
	mime: string,
	maxSide: number
): Promise<AttachmentImage> {
	const bitmap = await decoded(name, bytes, mime);
	const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
	const width = Math.max(1, Math.round(bitmap.width * scale));
	const height = Math.max(1, Math.round(bitmap.height * scale));
	const canvas = new OffscreenCanvas(width, height);
	canvas.getContext('2d')?.drawImage(bitmap, 0, 0, width, height);
	const type = LOSSLESS.has(mime) ? 'image/png' : 'image/jpeg';
	const blob = await canvas.convertToBlob({ type, quality: JPEG_QUALITY });
	const result: AttachmentImage = {
		id,
		mime_type: type,
		data: toBase64(new Uint8Array(await blob.arrayBuffer())),
		width,
		height,
		source_width: bitmap.width,
		source_height: bitmap.height
	};
	bitmap.close();
	return result;
}
