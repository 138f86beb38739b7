import { describe, expect, it } from 'vitest';
import { formatTimeLeft, readingEstimate } from './prompt-progress';

describe('readingEstimate', () => {
	it('counts only the tokens the cache did not have, and extrapolates the rate so far', () => {
		// llama-server counts the cached tokens in `processed` and `total` too.
		const estimate = readingEstimate({ total: 1100, cache: 100, processed: 350, time_ms: 2500 });
		expect(estimate).toEqual({
			read: 250,
			toRead: 1000,
			fraction: 0.25,
			leftMs: 7500,
			cached: 100
		});
	});

	it('has no estimate before the first batch, and is done when everything was cached', () => {
		expect(readingEstimate({ total: 500, cache: 0, processed: 0, time_ms: 0 }).leftMs).toBeNull();
		const cached = readingEstimate({ total: 320, cache: 320, processed: 320, time_ms: 0 });
		expect(cached).toMatchObject({ read: 0, toRead: 0, fraction: 1, cached: 320 });
	});
});

describe('formatTimeLeft', () => {
	it('says seconds, then minutes, rounded up', () => {
		expect(formatTimeLeft(null)).toBe('estimating time left…');
		expect(formatTimeLeft(11_200)).toBe('about 12 s left');
		expect(formatTimeLeft(125_000)).toBe('about 3 min left');
	});
});
