import type { ContextUsage } from '$lib/types';

/** How full the slot would be: fine, near its end (a warning), or over (the answer fails). */
export type ContextLevel = 'ok' | 'near' | 'over';

/** From this share of the context on, the meter warns before sending. */
export const CONTEXT_WARN_AT = 0.8;

/** The tokens the next answer needs: the prompt and room for the answer (its limit, if set). */
export function contextNeeded(usage: ContextUsage): number {
	return usage.prompt_tokens + (usage.max_tokens ?? 0);
}

export function contextLevel(usage: ContextUsage): ContextLevel {
	const needed = contextNeeded(usage);
	if (needed > usage.n_ctx) return 'over';
	return needed >= usage.n_ctx * CONTEXT_WARN_AT ? 'near' : 'ok';
}
