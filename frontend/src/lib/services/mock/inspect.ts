import type { ConversationOptions, TokenAlternative, TokenProb } from '$lib/types';
import { MockFailure } from './errors';
import type { ConversationSettings } from './tree';

/**
 * The mock's side of a conversation's own settings and of token probabilities, as the backend
 * has them (`ConversationService.update_settings`, `ChatOrchestrator.regenerate_from_token`).
 */

/** The sampling values a conversation may set, with the generation settings' bounds. */
const SAMPLING_BOUNDS: Record<string, { min: number; max: number; integer: boolean }> = {
	temperature: { min: 0, max: 5, integer: false },
	top_k: { min: 0, max: 1000, integer: true },
	top_p: { min: 0, max: 1, integer: false },
	min_p: { min: 0, max: 1, integer: false },
	max_tokens: { min: -1, max: 1_000_000, integer: true },
	repeat_penalty: { min: 0, max: 5, integer: false },
	seed: { min: -1, max: 2 ** 31 - 1, integer: true }
};

/** Checked settings to store; a bad sampling value fails naming its field, as the backend does. */
export function checkedSettings(
	system_prompt: string | null | undefined,
	params: Record<string, number | null | undefined> | undefined,
	options: ConversationOptions | undefined
): ConversationSettings {
	const kept: Record<string, number> = {};
	for (const [key, value] of Object.entries(params ?? {})) {
		const bounds = SAMPLING_BOUNDS[key];
		const field = `params.${key}`;
		if (!bounds) throw invalid(field, 'Extra inputs are not permitted');
		if (value === null || value === undefined) continue;
		if (bounds.integer && !Number.isInteger(value)) throw invalid(field, 'not an integer');
		if (value < bounds.min || value > bounds.max)
			throw invalid(field, `must be between ${bounds.min} and ${bounds.max}`);
		kept[key] = value;
	}
	return {
		system_prompt: system_prompt ?? null,
		params: kept,
		options: {
			stop: options?.stop ?? [],
			token_probs: options?.token_probs ?? 0,
			reasoning_effort: options?.reasoning_effort ?? null,
			reasoning_budget: options?.reasoning_budget ?? null
		}
	};
}

function invalid(field: string, message: string): MockFailure {
	return new MockFailure('invalid_argument', `A sampling value is invalid: ${field}: ${message}`, [
		{ field, message }
	]);
}

const ALTERNATIVES = [' the', ' a', ',', '.', ' and', ' of', ' to', ' it', ' is', ' in'];

/**
 * A made-up but repeatable probability for a token and `n - 1` alternatives, most likely first.
 * Every seventh token is an unsure one (below 0.3), so the shading shows.
 */
export function mockTokenProb(token: string, index: number, n: number): TokenProb {
	let hash = index * 31;
	for (const char of token) hash = (hash * 33 + char.charCodeAt(0)) % 9973;
	const prob = index % 7 === 3 ? 0.1 + (hash % 20) / 100 : 0.55 + (hash % 45) / 100;
	const others = ALTERNATIVES.filter((alternative) => alternative !== token).slice(
		hash % 3,
		(hash % 3) + Math.max(0, n - 1)
	);
	let left = 1 - prob;
	const top: TokenAlternative[] = [{ token, prob: round(prob) }];
	for (const alternative of others) {
		left /= 2;
		top.push({ token: alternative, prob: round(left) });
	}
	return { token, prob: round(prob), top: top.sort((a, b) => b.prob - a.prob) };
}

function round(value: number): number {
	return Math.round(value * 10_000) / 10_000;
}

/** The start of a branch from token `index`: the tokens before it, then the chosen one. */
export function branchStart(
	probs: TokenProb[] | null | undefined,
	index: number,
	token: string
): { content: string; probs: TokenProb[] } {
	if (!probs || probs.length === 0)
		throw new MockFailure(
			'invalid_argument',
			'Only an answer stored with its token probabilities can be regenerated from a token; ' +
				"turn them on in the conversation's settings and regenerate it first."
		);
	const at = probs[index];
	if (!at)
		throw new MockFailure(
			'invalid_argument',
			`The answer has ${probs.length} tokens; there is no token ${index}.`
		);
	const kept = probs.slice(0, index);
	const chosen = at.top?.find((alternative) => alternative.token === token)?.prob ?? 0;
	return {
		content: kept.map((prob) => prob.token).join('') + token,
		probs: [...kept, { ...at, token, prob: chosen }]
	};
}
