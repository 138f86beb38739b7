import { describe, expect, it } from 'vitest';
import { downloadInfo } from '$lib/testing/fixtures';
import { downloadPercent, downloadSummary, formatEta, formatRate } from './downloads';

const MB = 1024 ** 2;

describe('download formatting', () => {
	it('formats time left in seconds, minutes or hours', () => {
		expect(formatEta(0.2)).toBe('1 s');
		expect(formatEta(44.1)).toBe('45 s');
		expect(formatEta(125)).toBe('2 min 5 s');
		expect(formatEta(3 * 3600 + 120)).toBe('3 h 2 min');
	});

	it('formats rates per second', () => {
		expect(formatRate(45 * MB)).toBe('45 MB/s');
	});

	it('gives a whole percentage, or null when the size is unknown', () => {
		expect(downloadPercent(downloadInfo('a', { bytes_done: 333, total: 1000 }))).toBe(33);
		expect(downloadPercent(downloadInfo('a', { total: null }))).toBeNull();
	});

	it('summarises size, rate and time left, but only rate and time while running', () => {
		const running = downloadInfo('a', {
			bytes_done: 100 * MB,
			total: 400 * MB,
			rate_bps: 50 * MB,
			eta_s: 6
		});
		expect(downloadSummary(running)).toBe('100 MB of 400 MB · 50 MB/s · 6 s left');
		expect(downloadSummary({ ...running, status: 'paused' })).toBe('100 MB of 400 MB');
		expect(downloadSummary({ ...running, total: null, rate_bps: null, eta_s: null })).toBe(
			'100 MB'
		);
	});
});
