import { describe, expect, it } from 'vitest';
import { BlockSplitter, splitBlocks } from './blocks';

describe('BlockSplitter', () => {
	it('splits at blank lines', () => {
		expect(splitBlocks('a\n\nb\n\nc')).toEqual(['a\n\n', 'b\n\n', 'c']);
	});

	it('keeps blank lines inside code fences in one block', () => {
		const text = '```\nx\n\ny\n```\n\nafter';
		expect(splitBlocks(text)).toEqual(['```\nx\n\ny\n```\n\n', 'after']);
	});

	it('keeps blank lines inside $$ math in one block', () => {
		expect(splitBlocks('$$\na\n\nb\n$$\n\nz')).toEqual(['$$\na\n\nb\n$$\n\n', 'z']);
	});

	it('gives the same blocks whether text arrives at once or in pieces', () => {
		const text = '# T\n\npara one\n\n```js\nlet a;\n\nlet b;\n```\n\n| a |\n| - |\n| 1 |\n\nend';
		const splitter = new BlockSplitter();
		for (const char of text) splitter.append(char);
		const pieces = splitter.tail.trim() ? [...splitter.finished, splitter.tail] : splitter.finished;
		expect(pieces).toEqual(splitBlocks(text));
		expect(pieces.join('')).toBe(text);
	});

	it('keeps an unfinished fence in the tail', () => {
		const splitter = new BlockSplitter();
		splitter.append('intro\n\n```py\nprint(1)\n\n');
		expect(splitter.finished).toEqual(['intro\n\n']);
		expect(splitter.tail).toBe('```py\nprint(1)\n\n');
	});

	it('keeps only the unfinished block, and the length and end of all text', () => {
		const splitter = new BlockSplitter();
		splitter.append('first block\n\nsecond ');
		splitter.append('block\n\nthird');
		expect(splitter.tail).toBe('third');
		expect(splitter.length).toBe('first block\n\nsecond block\n\nthird'.length);
		expect(splitter.recent).toBe('first block\n\nsecond block\n\nthird'.slice(-32));
	});
});
