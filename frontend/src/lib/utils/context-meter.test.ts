import { describe, expect, it } from 'vitest';
import { contextLevel, contextNeeded } from './context-meter';

const usage = { draft_tokens: 5, n_ctx: 2048, max_tokens: null, drop_oldest_turns: false };

describe('context meter', () => {
	it('counts room for the answer when its limit is set', () => {
		expect(contextNeeded({ ...usage, prompt_tokens: 1000, max_tokens: 512 })).toBe(1512);
		expect(contextNeeded({ ...usage, prompt_tokens: 1000 })).toBe(1000);
	});

	it('warns from 80% of the context on, and says when it cannot fit', () => {
		expect(contextLevel({ ...usage, prompt_tokens: 1600 })).toBe('ok');
		expect(contextLevel({ ...usage, prompt_tokens: 1639 })).toBe('near');
		expect(contextLevel({ ...usage, prompt_tokens: 1600, max_tokens: 449 })).toBe('over');
		expect(contextLevel({ ...usage, prompt_tokens: 2048 })).toBe('near');
		expect(contextLevel({ ...usage, prompt_tokens: 2049 })).toBe('over');
	});
});
