// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { RenderCache } from './cache';
import { StreamingMarkdown } from './streaming';

describe('StreamingMarkdown', () => {
	it('renders each finished block once while the text grows', () => {
		const cache = new RenderCache();
		const markdown = new StreamingMarkdown(cache);
		let text = '';
		for (let index = 0; index < 50; index += 1) {
			text += `paragraph ${index}\n\n`;
			markdown.update(text, true);
		}
		expect(cache.size).toBe(50);
		const view = markdown.update(text, true);
		expect(view.blocks).toHaveLength(50);
		expect(view.tail).toBe('');
	});

	it('renders the tail as a draft while streaming and as a block when done', () => {
		const markdown = new StreamingMarkdown(new RenderCache());
		const streaming = markdown.update('done\n\nstill typing', true);
		expect(streaming.blocks).toHaveLength(1);
		expect(streaming.tail).toContain('still typing');
		const finished = markdown.update('done\n\nstill typing', false);
		expect(finished.blocks).toHaveLength(2);
		expect(finished.tail).toBe('');
	});

	it('starts over when the text is replaced', () => {
		const markdown = new StreamingMarkdown(new RenderCache());
		markdown.update('first\n\nversion', false);
		const view = markdown.update('other', false);
		expect(view.blocks).toHaveLength(1);
		expect(view.blocks[0]?.html).toContain('other');
	});
});
