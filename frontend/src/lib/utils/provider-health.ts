import { PROVIDER_HEALTH_LABEL } from '$lib/constants/providers';
import type { ProviderHealth } from '$lib/types';

/** What a provider's health says in one line: state, latency, when it was checked, the retry. */
export function healthSummary(health: ProviderHealth | undefined, now = new Date()): string {
	const state = health?.state ?? 'unknown';
	const parts: string[] = [PROVIDER_HEALTH_LABEL[state]];
	if (health?.latency_ms != null && state === 'ok')
		parts.push(`${Math.round(health.latency_ms)} ms`);
	if (health?.checked_at) parts.push(`checked ${ago(new Date(health.checked_at), now)}`);
	if (health?.next_check_s != null && state !== 'ok')
		parts.push(`next try in ${formatSeconds(health.next_check_s)}`);
	return parts.join(' · ');
}

/** Whether answers can go to a provider in this state (the selector offers its models). */
export function canAnswer(health: ProviderHealth | undefined): boolean {
	return health?.state === 'ok';
}

function ago(then: Date, now: Date): string {
	const seconds = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
	if (seconds < 5) return 'just now';
	return `${formatSeconds(seconds)} ago`;
}

function formatSeconds(seconds: number): string {
	if (seconds < 90) return `${Math.round(seconds)} s`;
	if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
	return `${Math.round(seconds / 3600)} h`;
}
