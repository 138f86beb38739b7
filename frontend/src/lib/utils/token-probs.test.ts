import { describe, expect, it } from 'vitest';
import { confidenceClass, percent, tokensPast } from './token-probs';

const probs = ['Hel', 'lo', ' world'].map((token) => ({ token, prob: 0.5, top: [] }));

describe('token probabilities', () => {
	it('skips the tokens of text already seen', () => {
		expect(tokensPast(probs, 0).map((p) => p.token)).toEqual(['Hel', 'lo', ' world']);
		expect(tokensPast(probs, 5).map((p) => p.token)).toEqual([' world']);
		expect(tokensPast(probs, 11)).toEqual([]);
	});

	it('says a probability in percent and shades it by confidence', () => {
		expect([percent(0.874), percent(0.004), percent(0.0001)]).toEqual(['87%', '0.4%', '<0.1%']);
		expect([0.95, 0.7, 0.4, 0.1].map(confidenceClass)).toEqual([
			'token-sure',
			'token-likely',
			'token-unsure',
			'token-doubtful'
		]);
	});
});
