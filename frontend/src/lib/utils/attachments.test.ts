import { describe, expect, it } from 'vitest';
import { composeMessage, readAttachments } from './attachments';

describe('attachments', () => {
	it('accepts text files and refuses others', async () => {
		const { attached, refused } = await readAttachments([
			new File(['hello'], 'notes.txt', { type: 'text/plain' }),
			new File([new Uint8Array([0, 1])], 'image.png', { type: 'image/png' })
		]);
		expect(attached).toEqual([{ name: 'notes.txt', content: 'hello' }]);
		expect(refused).toEqual(['image.png is not a text file.']);
	});

	it('puts files before the prompt as fenced blocks', () => {
		expect(composeMessage('Summarise', [{ name: 'a.md', content: '# A' }])).toBe(
			'File: a.md\n```\n# A\n```\n\nSummarise'
		);
	});
});
