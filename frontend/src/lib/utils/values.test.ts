import { describe, expect, it } from 'vitest';
import { nestLeaves, readLeaf } from './values';

describe('settings values', () => {
	it('reads dotted leaves', () => {
		expect(readLeaf({ appearance: { theme: 'dark' } }, 'appearance.theme')).toBe('dark');
		expect(readLeaf({}, 'appearance.theme')).toBeUndefined();
	});

	it('nests dotted leaves into a partial update', () => {
		expect(
			nestLeaves({
				'generation.temperature': 1,
				'generation.top_p': 0.5,
				'appearance.theme': 'light'
			})
		).toEqual({
			generation: { temperature: 1, top_p: 0.5 },
			appearance: { theme: 'light' }
		});
	});
});
