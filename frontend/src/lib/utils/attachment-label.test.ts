import { describe, expect, it } from 'vitest';
import type { Attachment } from '$lib/types';
import { attachmentDetails, formatSize, pagesLabel } from './attachment-label';

const pdf: Attachment = {
	id: 'a'.repeat(64),
	name: 'report.pdf',
	mime_type: 'application/pdf',
	kind: 'document',
	size: 1536,
	page_count: 12,
	char_count: 900,
	first_page: null,
	last_page: null
};

describe('attachment labels', () => {
	it('formats sizes', () => {
		expect(formatSize(512)).toBe('512 B');
		expect(formatSize(1536)).toBe('1.5 KB');
		expect(formatSize(12 * 1024 * 1024)).toBe('12 MB');
	});

	it('says which pages are sent', () => {
		expect(pagesLabel(pdf)).toBe('12 pages');
		expect(pagesLabel({ ...pdf, first_page: 2, last_page: 5 })).toBe('pages 2–5 of 12');
		expect(pagesLabel({ ...pdf, first_page: 3 })).toBe('pages 3–12 of 12');
		expect(pagesLabel({ ...pdf, page_count: null })).toBe('');
		expect(attachmentDetails({ ...pdf, last_page: 1 })).toBe('1.5 KB, pages 1–1 of 12');
	});
});
