import { describe, expect, it } from 'vitest';
import { splitSnippet } from './snippet';

describe('splitSnippet', () => {
	it('marks the FTS5 matches', () => {
		expect(splitSnippet('…the **quick** fox **jumps**')).toEqual([
			{ text: '…the ', match: false },
			{ text: 'quick', match: true },
			{ text: ' fox ', match: false },
			{ text: 'jumps', match: true }
		]);
	});
});
