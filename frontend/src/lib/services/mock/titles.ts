/**
 * The backend's naming rules, ported so the mock names things the same way (the shared
 * scenario in `frontend/tests/scenario/` compares them).
 */
const TITLE_CHARS = 48;

/**
 * A short title from the first user message: its first line, cut at a word boundary
 * (`backend/chat` `derive_title`).
 */
export function deriveTitle(text: string): string {
	const trimmed = text.trim();
	const line = (trimmed ? (trimmed.split(/\r?\n|\r/)[0] ?? '') : '').replace(/\s+/g, ' ').trim();
	if (line.length <= TITLE_CHARS) return line || 'New chat';
	const head = line.slice(0, TITLE_CHARS);
	const space = head.lastIndexOf(' ');
	const cut = (space >= 0 ? head.slice(0, space) : head) || head;
	return `${cut.replace(/[ ,.;:]+$/, '')}…`;
}

/** A safe file name derived from a title (`backend/chat` `export_filename`). */
export function exportFilename(title: string, extension: string): string {
	const stem =
		title
			.replace(/[^A-Za-z0-9_-]+/g, '-')
			.replace(/^-+|-+$/g, '')
			.slice(0, 60) || 'conversation';
	return `${stem}.${extension}`;
}
