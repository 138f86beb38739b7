import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replyFor } from '$lib/services/mock/replies';
import { browserModeBackend, mockBackend, type ScenarioBackend } from './backends';
import { runScenario, STEPS, type Outcomes } from './scenario';

/**
 * The shared scenario against the mock and against the real backend (browser mode in a
 * subprocess, with the fake llama-server answering what the mock answers): every step's
 * normalised outcome must be the same on both.
 */
const ANSWER = { tokens: replyFor('any prompt').tokens, tokensPerSecond: 40 };

let backends: ScenarioBackend[] = [];
let mock: Outcomes;
let real: Outcomes;

beforeAll(async () => {
	backends = [mockBackend(ANSWER), await browserModeBackend(ANSWER)];
	const text = ANSWER.tokens.join('');
	const outcomes = await Promise.all(backends.map((backend) => runScenario(backend, text)));
	[mock, real] = outcomes as [Outcomes, Outcomes];
}, 180_000);

afterAll(async () => {
	await Promise.all(backends.map((backend) => backend.close()));
}, 60_000);

describe('the mock and browser mode with the fake llama-server', () => {
	it.each(STEPS)('agree on: %s', (step) => {
		expect(real[step], `browser mode ran no step "${step}"`).toBeDefined();
		expect(mock[step]).toEqual(real[step]);
	});
});
