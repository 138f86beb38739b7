// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { loadMarkdown, loadedMarkdown, plainParagraphs } from './load';

describe('loadMarkdown', () => {
	it('fetches the renderer once and then has it at hand', async () => {
		expect(loadedMarkdown()).toBeNull();
		const first = loadMarkdown();
		expect(loadMarkdown()).toBe(first);
		const engine = await first;
		expect(loadedMarkdown()).toBe(engine);
		const view = new engine.StreamingMarkdown().update('Some **bold** text.', false);
		expect(view.groups[0]?.blocks[0]?.html).toContain('<strong>bold</strong>');
	});
});

describe('plainParagraphs', () => {
	it('splits at blank lines and keeps the lines inside a paragraph', () => {
		expect(plainParagraphs('One\ntwo\n\n  \n- a\n- b\n \nlast  ')).toEqual([
			'One\ntwo',
			'- a\n- b',
			'last'
		]);
	});

	it('shows nothing for empty or blank text', () => {
		expect(plainParagraphs('')).toEqual([]);
		expect(plainParagraphs('\n\n  \n')).toEqual([]);
	});
});
