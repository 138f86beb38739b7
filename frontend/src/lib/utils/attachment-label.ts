import type { Attachment } from '$lib/types';

const UNITS = ['B', 'KB', 'MB', 'GB'];

/** A file size as people read it: `512 B`, `1.4 KB`, `12 MB`. */
export function formatSize(bytes: number): string {
	let value = bytes;
	let unit = 0;
	while (value >= 1024 && unit < UNITS.length - 1) {
		value /= 1024;
		unit += 1;
	}
	const digits = unit === 0 || value >= 10 ? 0 : 1;
	return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** Which pages of a PDF are sent: `pages 2–5 of 12`, `12 pages`; empty for other files. */
export function pagesLabel(attachment: Attachment): string {
	const count = attachment.page_count;
	if (count === null || count === undefined) return '';
	const first = attachment.first_page ?? null;
	const last = attachment.last_page ?? null;
	if (first === null && last === null) return count === 1 ? '1 page' : `${count} pages`;
	return `pages ${first ?? 1}–${last ?? count} of ${count}`;
}

/** A chip's details: size, and the pages sent for a PDF. */
export function attachmentDetails(attachment: Attachment): string {
	return [formatSize(attachment.size), pagesLabel(attachment)].filter(Boolean).join(', ');
}
