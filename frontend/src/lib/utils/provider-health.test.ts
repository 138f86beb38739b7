import { describe, expect, it } from 'vitest';
import { canAnswer, healthSummary } from './provider-health';

const NOW = new Date('2026-03-02T10:00:00Z');

describe('healthSummary', () => {
	it('says state, latency and when for a reachable provider', () => {
		expect(
			healthSummary(
				{
					state: 'ok',
					checked_at: '2026-03-02T09:58:00Z',
					latency_ms: 12.4,
					error: null,
					next_check_s: 60
				},
				NOW
			)
		).toBe('Reachable · 12 ms · checked 2 min ago');
	});

	it('says when an unreachable one is tried again', () => {
		expect(
			healthSummary(
				{
					state: 'unreachable',
					checked_at: '2026-03-02T09:59:58Z',
					latency_ms: 1.2,
					error: 'Lost the connection',
					next_check_s: 8
				},
				NOW
			)
		).toBe('Unreachable · checked just now · next try in 8 s');
	});

	it('reads an unchecked one as not checked yet; only ok answers', () => {
		expect(healthSummary(undefined, NOW)).toBe('Not checked yet');
		expect(canAnswer(undefined)).toBe(false);
		expect(
			canAnswer({
				state: 'auth_failed',
				checked_at: null,
				latency_ms: null,
				error: 'x',
				next_check_s: null
			})
		).toBe(false);
	});
});
