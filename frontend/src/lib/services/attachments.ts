import type {
	Attachment,
	AttachmentRef,
	AttachmentText,
	CountTokensParams,
	PickedAttachments,
	TokenCounts
} from '$lib/types';
import { call, transportKind } from './ipc';

const CHUNK = 0x8000;

/** A file's bytes as base64, in chunks (a 50 MB file would overflow one `fromCharCode`). */
export async function fileToBase64(file: Blob): Promise<string> {
	const bytes = new Uint8Array(await file.arrayBuffer());
	let binary = '';
	for (let start = 0; start < bytes.length; start += CHUNK) {
		binary += String.fromCharCode(...bytes.subarray(start, start + CHUNK));
	}
	return btoa(binary);
}

/** Files attached to messages: picked, uploaded, read back, counted. Stateless. */
export const AttachmentsService = {
	/** Whether the window's native file dialog picks files (else the page's file input). */
	hasNativeDialog: (): boolean => transportKind() === 'pywebview',
	pick: (): Promise<PickedAttachments> => call('pick_attachments', {}),
	upload: async (file: File): Promise<Attachment> =>
		call('upload_attachment', { name: file.name, data: await fileToBase64(file) }),
	text: (ref: AttachmentRef): Promise<AttachmentText> => call('get_attachment_text', ref),
	countTokens: (params: CountTokensParams): Promise<TokenCounts> =>
		call('count_message_tokens', params)
};
