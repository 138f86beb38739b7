import { describe, expect, it } from 'vitest';
import type { ProviderInfo } from '$lib/types';
import { choiceOf, choiceValue, moved, pairLabel, providerModelChoices } from './provider-choices';

function provider(id: string, name: string, models: string[]): ProviderInfo {
	return {
		id,
		name,
		models,
		kind: id === 'local' ? 'local' : 'remote',
		base_url: null,
		timeout_s: null,
		enabled: true,
		local_network_only: false,
		can_continue: true,
		has_key: false
	};
}

const PROVIDERS = [
	provider('local', 'This computer', ['SmolLM2']),
	provider('p-1', 'Desk', ['a:b', 'c'])
];

describe('provider choices', () => {
	it('round-trips a value, even with separators of other kinds in the model', () => {
		expect(choiceOf(choiceValue('p-1', 'org/model:q4'))).toEqual({
			provider_id: 'p-1',
			model: 'org/model:q4'
		});
	});

	it('lists every model provider by provider, with "any model" when asked', () => {
		expect(providerModelChoices(PROVIDERS).map((choice) => choice.label)).toEqual([
			'This computer · SmolLM2',
			'Desk · a:b',
			'Desk · c'
		]);
		expect(providerModelChoices(PROVIDERS, true).map((choice) => choice.model)).toEqual([
			'*',
			'SmolLM2',
			'*',
			'a:b',
			'c'
		]);
	});

	it('names a pair, a gone provider by its id', () => {
		expect(pairLabel(PROVIDERS, 'local', '*')).toBe('This computer · any model');
		expect(pairLabel(PROVIDERS, 'p-9', 'x')).toBe('p-9 · x');
	});

	it('moves an item within bounds', () => {
		expect(moved(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
		expect(moved(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
		expect(moved(['a', 'b', 'c'], 0, 5)).toEqual(['b', 'c', 'a']);
	});
});
