// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { RenderCache } from './cache';
import { GROUP_SIZE, StreamingMarkdown, type MarkdownView } from './streaming';

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
		expect(view.groups.flatMap((group) => group.blocks)).toHaveLength(50);
		expect(view.tail).toBe('');
	});

	it('takes the text gained while streaming without reading the whole text', () => {
		const markdown = new StreamingMarkdown(new RenderCache());
		const real = 'first block\n\nsecond';
		// A stand-in of the right length: what is shown can only come from the gained text.
		const standIn = 'x'.repeat(real.length);
		const asked: [number, number][] = [];
		const view = markdown.update(standIn, true, (offset, length) => {
			asked.push([offset, length]);
			return real.slice(offset, length);
		});
		expect(asked).toEqual([[0, real.length]]);
		expect(view.groups[0]?.blocks[0]?.html).toContain('first block');
		expect(view.tail).toContain('second');
		const more = markdown.update(standIn + 'xxxx', true, () => ' one');
		expect(more.tail).toContain('second one');
	});

	it('reads the text itself when the gained text is not there', () => {
		const markdown = new StreamingMarkdown(new RenderCache());
		markdown.update('old text', true, () => 'old text');
		const view = markdown.update('new words', true, () => null);
		expect(view.tail).toContain('new words');
		expect(view.tail).not.toContain('old');
	});

	it('renders the tail as a draft while streaming and as a block when done', () => {
		const markdown = new StreamingMarkdown(new RenderCache());
		const streaming = markdown.update('done\n\nstill typing', true);
		expect(streaming.groups[0]?.blocks).toHaveLength(1);
		expect(streaming.tail).toContain('still typing');
		const finished = markdown.update('done\n\nstill typing', false);
		expect(finished.groups[0]?.blocks).toHaveLength(2);
		expect(finished.tail).toBe('');
	});

	it('ends with the same HTML as a one-shot render, whatever the chunks', () => {
		const text =
			'# Title\n\nSome *text* with `code` and $x^2$.\n\n```ts\nconst a = 1;\n\nlet b;\n```\n\n' +
			'| a | b |\n| - | - |\n| 1 | 2 |\n\n- one\n- two\n\n$$\ny = x\n$$\n\nlast ```inline``` words';
		const html = (view: MarkdownView): string =>
			view.groups.flatMap((group) => group.blocks.map((block) => block.html)).join('') + view.tail;
		const oneShot = html(new StreamingMarkdown(new RenderCache()).update(text, false));
		for (const size of [1, 3, 7, 40]) {
			const markdown = new StreamingMarkdown(new RenderCache());
			for (let end = size; end < text.length; end += size)
				markdown.update(text.slice(0, end), true);
			expect(html(markdown.update(text, false))).toBe(oneShot);
		}
	});

	it('starts over when the text is replaced', () => {
		const markdown = new StreamingMarkdown(new RenderCache());
		markdown.update('first\n\nversion', false);
		const view = markdown.update('other', false);
		expect(view.groups).toHaveLength(1);
		expect(view.groups[0]?.blocks[0]?.html).toContain('other');
	});

	it('seals full groups so later updates reuse the same group objects', () => {
		const markdown = new StreamingMarkdown(new RenderCache());
		let text = '';
		for (let index = 0; index < GROUP_SIZE + 3; index += 1) text += `p${index}\n\n`;
		const before = markdown.update(text, true);
		const after = markdown.update(`${text}more\n\n`, true);
		expect(before.groups).toHaveLength(2);
		expect(after.groups[0]).toBe(before.groups[0]);
		expect(after.groups[1]?.blocks).toHaveLength(4);
	});
});
