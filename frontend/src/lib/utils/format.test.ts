import { describe, expect, it } from 'vitest';
import { formatBytes, formatParameters } from './format';

describe('format', () => {
	it('formats sizes and parameter counts', () => {
		expect(formatBytes(4.7 * 1024 ** 3)).toBe('4.7 GB');
		expect(formatBytes(300 * 1024 ** 2)).toBe('300 MB');
		expect(formatParameters(7_600_000_000)).toBe('7.6B');
		expect(formatParameters(135_000_000)).toBe('135M');
	});
});
