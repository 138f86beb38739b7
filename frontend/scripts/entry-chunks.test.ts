import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allChunks, entryChunks } from './entry-chunks.js';

const BUILD = fileURLToPath(new URL('../build', import.meta.url));

/** Strings only the mock backend (`src/lib/services/mock/`) contains. */
const MOCK_MARKERS = ['The mock backend does not implement', '[mock] llama-server log line'];

/** Strings of the markdown renderer's libraries: KaTeX, marked, highlight.js, DOMPurify. */
const MARKDOWN_MARKERS = [
	'KaTeX parse error',
	'marked(): input parameter',
	'Unknown language:',
	'afterSanitizeAttributes'
];

function holding(files: string[], marker: string): string[] {
	return files.filter((file) => readFileSync(join(BUILD, file), 'utf8').includes(marker));
}

describe('the built page (run `npm -w frontend run build` first)', () => {
	const entry = entryChunks(BUILD);

	it('loads its entry, bootstrap and route chunks', () => {
		expect(entry.some((file) => file.includes('/entry/start.'))).toBe(true);
		expect(entry.some((file) => file.includes('/entry/app.'))).toBe(true);
		expect(entry.some((file) => file.includes('/nodes/'))).toBe(true);
	});

	it.each(MOCK_MARKERS)('holds no mock code in what every page loads (%s)', (marker) => {
		expect(holding(entry, marker)).toEqual([]);
	});

	it.each(MOCK_MARKERS)('keeps the mock in a chunk of its own, loaded on demand (%s)', (marker) => {
		const lazy = holding(allChunks(BUILD), marker);
		expect(lazy).toHaveLength(1);
		expect(entry).not.toContain(lazy[0]);
	});

	it.each(MARKDOWN_MARKERS)(
		'holds no markdown renderer in what every page loads (%s)',
		(marker) => {
			expect(holding(entry, marker)).toEqual([]);
		}
	);

	it('keeps the markdown renderer in one chunk, loaded when a message is shown', () => {
		const chunks = new Set(MARKDOWN_MARKERS.flatMap((marker) => holding(allChunks(BUILD), marker)));
		expect(chunks.size).toBe(1);
	});
});
