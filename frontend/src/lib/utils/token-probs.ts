import type { TokenProb } from '$lib/types';

/**
 * The tokens of a chunk that lie past `seen` characters of it (a chunk that overlaps text the
 * page already has, after a reload, brings tokens the page already holds).
 */
export function tokensPast(probs: TokenProb[], seen: number): TokenProb[] {
	let at = 0;
	let index = 0;
	while (index < probs.length && at < seen) {
		at += (probs[index] as TokenProb).token.length;
		index += 1;
	}
	return probs.slice(index);
}

/** A probability as a percentage for people: `87%`, `0.4%`, `<0.1%`. */
export function percent(prob: number): string {
	const value = prob * 100;
	if (value >= 10) return `${Math.round(value)}%`;
	if (value >= 0.1) return `${value.toFixed(1)}%`;
	return '<0.1%';
}

/** The shading class of a token by how likely it was: the less sure, the warmer. */
export function confidenceClass(prob: number): string {
	if (prob >= 0.9) return 'token-sure';
	if (prob >= 0.6) return 'token-likely';
	if (prob >= 0.3) return 'token-unsure';
	return 'token-doubtful';
}
