import type {
	Attachment,
	AttachmentChoice,
	AttachmentImage,
	AttachmentRef,
	AttachmentText,
	CountTokensParams,
	TokenCounts
} from '$lib/types';
import { MockFailure } from './errors';
import { checkImage, scaledImage } from './images';

/**
 * Attachments like `backend/chat/_attachments.py`: each file stored once under its SHA-256,
 * its type recognised like `backend/attachments/_kinds.py` (`file_type`), text read like
 * `_extract.py` (UTF-8, else refused with the backend's words), a message's parts listed in
 * order, the prompt built with each document labelled by name (`_prompt.py`: `user_content`).
 * Tokens are counted like the fake llama-server's `/tokenize` (one per word) against a
 * 2,048-token slot. The mock has no PDF reader: every PDF is refused with the backend's
 * message for a damaged one (the real backend reads PDFs with pypdfium2, and its page ranges
 * are tested against it). The mock keeps every file (the backend releases one with the last
 * message that uses it).
 */
export const MOCK_CONTEXT_SIZE = 2048;

/** `_kinds.py`: `SUPPORTED`, as a refusal names the types that work. */
const SUPPORTED = 'text and code files, Markdown, HTML, CSV, PDF and images (PNG, JPEG, WebP, GIF)';
/** `_kinds.py`: `_CODE`, the extensions read as plain text. */
const CODE =
	'txt text log json jsonl yaml yml toml ini cfg conf env xml css scss less js mjs cjs ts tsx' +
	' jsx svelte vue py pyi rb php pl lua sh bash zsh fish ps1 bat c h cc cpp cxx hpp hh rs go' +
	' java kt kts scala swift m mm cs fs sql r jl dart ex exs erl hs ml clj el vim tex bib' +
	' diff patch rst org adoc gradle cmake mk dockerfile gitignore proto graphql tf nix zig';
type Reader = 'text' | 'html' | 'pdf' | 'image';
const BY_EXTENSION = new Map<string, [string, Reader]>([
	...CODE.split(' ').map((ext): [string, [string, Reader]] => [ext, ['text/plain', 'text']]),
	['md', ['text/markdown', 'text']],
	['markdown', ['text/markdown', 'text']],
	['csv', ['text/csv', 'text']],
	['tsv', ['text/tab-separated-values', 'text']],
	['html', ['text/html', 'html']],
	['htm', ['text/html', 'html']],
	['xhtml', ['text/html', 'html']],
	['pdf', ['application/pdf', 'pdf']],
	['png', ['image/png', 'image']],
	['jpg', ['image/jpeg', 'image']],
	['jpeg', ['image/jpeg', 'image']],
	['webp', ['image/webp', 'image']],
	['gif', ['image/gif', 'image']]
]);
const MAGIC: [number[], string, Reader][] = [
	[[0x25, 0x50, 0x44, 0x46, 0x2d], 'application/pdf', 'pdf'],
	[[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'image/png', 'image'],
	[[0xff, 0xd8, 0xff], 'image/jpeg', 'image'],
	[[0x47, 0x49, 0x46, 0x38, 0x37, 0x61], 'image/gif', 'image'],
	[[0x47, 0x49, 0x46, 0x38, 0x39, 0x61], 'image/gif', 'image']
];
const MB = 1024 * 1024;

/** A stored file as an export carries it. */
export interface MockFile {
	attachment: Attachment;
	text: string;
	created_at: string;
	data: string;
}

function decode(data: string): Uint8Array | null {
	try {
		return Uint8Array.from(atob(data), (char) => char.charCodeAt(0));
	} catch {
		return null;
	}
}

async function sha256(bytes: Uint8Array): Promise<string> {
	const digest = await crypto.subtle.digest('SHA-256', bytes as BufferSource);
	return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

const startsWith = (bytes: Uint8Array, magic: number[]): boolean =>
	magic.every((byte, index) => bytes[index] === byte);

/** `_kinds.py`: `file_type`: by first bytes, then by extension; null when not supported. */
function fileType(name: string, bytes: Uint8Array): [string, Reader] | null {
	for (const [magic, mime, reader] of MAGIC) if (startsWith(bytes, magic)) return [mime, reader];
	const riff = new TextDecoder('latin1').decode(bytes.subarray(0, 12));
	if (riff.startsWith('RIFF') && riff.slice(8) === 'WEBP') return ['image/webp', 'image'];
	const lower = name.toLowerCase();
	const dot = lower.lastIndexOf('.');
	const extension = dot > 0 ? lower.slice(dot + 1) : lower.replace(/^\.+/, '');
	const known = BY_EXTENSION.get(extension);
	if (known && (known[1] === 'text' || known[1] === 'html')) return known;
	if (!known && !bytes.subarray(0, 8192).includes(0)) return ['text/plain', 'text'];
	return null;
}

/** `_extract.py`: `_text` (UTF-8 only; a NUL byte means a binary file). */
function readText(name: string, bytes: Uint8Array): string {
	let text: string;
	try {
		text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
	} catch {
		throw new MockFailure(
			'attachment_refused',
			`${name} is not UTF-8 text, so it cannot be read; save it as UTF-8 and attach it again.`
		);
	}
	if (text.includes('\0'))
		throw new MockFailure('attachment_refused', `${name} is a binary file, not text.`);
	return text;
}

/** The text of a file of a supported type (empty for an image), as `_extract.py` reads it. */
function extract(name: string, reader: Reader, bytes: Uint8Array): string {
	if (reader === 'image') return '';
	if (reader === 'pdf')
		throw new MockFailure(
			'attachment_refused',
			`${name} is a damaged PDF: it cannot be read (it may be cut short or not a PDF).`,
			[],
			'The mock backend has no PDF reader.'
		);
	const text = readText(name, bytes);
	return reader === 'html' ? text.replace(/<[^>]*>/g, ' ').trim() : text;
}

/** `_attachments.py`: `AttachmentService._check_size`. */
function checkSize(name: string, size: number, limitMb: number): void {
	if (size > limitMb * MB)
		throw new MockFailure(
			'attachment_refused',
			`${name} is ${(size / MB).toFixed(1)} MB, larger than the ${limitMb} MB limit ` +
				'(Settings → Attachments).'
		);
	if (size === 0) throw new MockFailure('attachment_refused', `${name} is empty.`);
}

/** `backend/images/_content.py`: `blind_note`, what stands for an image in counted text. */
const blindNote = (name: string): string =>
	`[Image attached: ${name}; not shown to this model, which cannot see images]`;

const words = (text: string): number => text.split(/\s+/).filter(Boolean).length;

/** The mock's stored files. */
export class MockAttachments {
	readonly files = new Map<string, MockFile>();

	constructor(private readonly stamp: () => string) {}

	async upload(name: string, data: string, limitMb: number): Promise<Attachment> {
		checkSize(name, Math.floor((data.length * 3) / 4), limitMb);
		const bytes = decode(data);
		if (bytes === null)
			throw new MockFailure('attachment_refused', `${name} did not arrive as valid base64.`);
		checkSize(name, bytes.length, limitMb);
		const type = fileType(name, bytes);
		if (type === null)
			throw new MockFailure(
				'attachment_refused',
				`${name} cannot be attached: only ${SUPPORTED} can.`
			);
		const [mime, reader] = type;
		if (reader === 'image' && typeof createImageBitmap !== 'undefined')
			await checkImage(name, bytes, mime);
		const text = extract(name, reader, bytes);
		const id = await sha256(bytes);
		const attachment: Attachment = {
			id,
			name,
			mime_type: mime,
			kind: reader === 'image' ? 'image' : 'document',
			size: bytes.length,
			page_count: null,
			char_count: text.length,
			first_page: null,
			last_page: null
		};
		if (!this.files.has(id))
			this.files.set(id, { attachment, text, created_at: this.stamp(), data });
		return attachment;
	}

	private file(id: string): MockFile {
		const file = this.files.get(id);
		if (!file)
			throw new MockFailure(
				'not_found',
				`The attachment ${id.slice(0, 12)}… is not stored (any more); attach the file again.`
			);
		return file;
	}

	text(ref: AttachmentRef): AttachmentText {
		const file = this.file(ref.id);
		if (ref.first_page != null || ref.last_page != null)
			throw new MockFailure(
				'invalid_argument',
				`${file.attachment.name} has no pages: send it whole.`
			);
		return { attachment: file.attachment, text: file.text };
	}

	/** `get_attachment_image`: a stored image scaled down (`services/mock/images.ts`). */
	async image(id: string, maxSide: number): Promise<AttachmentImage> {
		const file = this.file(id);
		if (file.attachment.kind !== 'image')
			throw new MockFailure('invalid_argument', `${file.attachment.name} is not an image.`);
		const bytes = decode(file.data) ?? new Uint8Array();
		return scaledImage(id, file.attachment.name, bytes, file.attachment.mime_type, maxSide);
	}

	/** A message's attachments as the page shows them. */
	parts(choices: AttachmentChoice[]): Attachment[] {
		return choices.map((choice) => {
			this.text(choice);
			return { ...this.file(choice.id).attachment, name: choice.name };
		});
	}

	/** The text the model reads for a user message: each document labelled, then the text. */
	prompt(content: string, parts: Attachment[]): string {
		const blocks = parts.map((part) => {
			const name = part.name.replaceAll('"', "'");
			if (part.kind === 'image') return blindNote(part.name);
			return `<document name="${name}">\n${this.file(part.id).text}\n</document>`;
		});
		if (content.trim()) blocks.push(content);
		return blocks.join('\n\n');
	}

	count(params: CountTokensParams, history: string): TokenCounts {
		const used = words(history);
		return {
			text_tokens: words(params.content ?? ''),
			attachments: (params.attachments ?? []).map((choice) => ({
				id: choice.id,
				name: choice.name,
				tokens: words(this.prompt('', this.parts([choice])))
			})),
			context_size: MOCK_CONTEXT_SIZE,
			context_used: used,
			context_left: Math.max(MOCK_CONTEXT_SIZE - used, 0)
		};
	}
}
