import { beforeEach, describe, expect, it, vi } from 'vitest';
import { BridgeEvents } from '$lib/services/events';
import { useTransport } from '$lib/services/ipc';
import { fakeTransport } from '$lib/testing/fake-transport';
import type { FailoverRule, ProviderConfig, ProviderInfo, Providers, Transport } from '$lib/types';
import { ProvidersStore } from './providers.svelte';

const LOCAL: ProviderInfo = {
	id: 'local',
	kind: 'local',
	name: 'This computer',
	base_url: null,
	timeout_s: null,
	enabled: true,
	local_network_only: false,
	can_continue: true,
	has_key: false,
	models: ['SmolLM2']
};
const CONFIG: ProviderConfig = {
	name: 'Desk',
	base_url: 'http://192.168.1.5:8080/v1',
	timeout_s: 60,
	enabled: true,
	local_network_only: true,
	can_continue: true
};
const DESK: ProviderInfo = { ...LOCAL, ...CONFIG, id: 'p-1', kind: 'remote', has_key: true };

function listed(providers: ProviderInfo[]): Providers {
	return { providers, failover: [], fallbacks: [], key_store: 'the OS keyring' };
}

let store: ProvidersStore;

beforeEach(() => {
	store = new ProvidersStore();
});

describe('ProvidersStore', () => {
	it('loads the providers, local first, and follows providers_changed', async () => {
		await useTransport(fakeTransport({ list_providers: () => listed([LOCAL]) }));
		await store.load();
		expect(store.providers.map((p) => p.id)).toEqual(['local']);
		expect(store.keyStore).toBe('the OS keyring');
		BridgeEvents.dispatch({ type: 'providers_changed', providers: listed([LOCAL, DESK]) });
		expect(store.remotes.map((p) => p.name)).toEqual(['Desk']);
	});

	it('adds with the key once; edits keep (null) or drop ("") it', async () => {
		const transport = fakeTransport({
			add_provider: () => DESK,
			update_provider: ({ api_key }) => ({ ...DESK, has_key: api_key !== '' })
		});
		await useTransport(transport);
		expect(await store.save(null, CONFIG, 'sk-1')).toBe(true);
		expect(await store.save('p-1', CONFIG, null)).toBe(true);
		expect(store.get('p-1')?.has_key).toBe(true);
		expect(await store.save('p-1', CONFIG, '')).toBe(true);
		expect(store.get('p-1')?.has_key).toBe(false);
		expect(transport.calls).toEqual([
			['add_provider', { provider: CONFIG, api_key: 'sk-1' }],
			['update_provider', { provider_id: 'p-1', provider: CONFIG, api_key: null }],
			['update_provider', { provider_id: 'p-1', provider: CONFIG, api_key: '' }]
		]);
		expect(store.isSaving).toBe(false);
	});

	it('keeps the field errors of a refused provider', async () => {
		const refusing: Transport = {
			kind: 'mock',
			invoke: () =>
				Promise.resolve({
					ok: false as const,
					error: {
						code: 'invalid_argument' as const,
						message: 'Invalid arguments for add_provider: provider.base_url: bad',
						detail: null,
						fields: [{ field: 'provider.base_url', message: 'bad' }]
					}
				}),
			listen: () => undefined
		};
		await useTransport(refusing);
		expect(await store.save(null, CONFIG, null)).toBe(false);
		expect(store.fieldErrors).toEqual({ 'provider.base_url': 'bad' });
		expect(store.error).toContain('provider.base_url');
	});

	it('marks a provider as checking only while its check runs', async () => {
		let finish: (info: ProviderInfo) => void = () => undefined;
		const transport: Transport = {
			kind: 'mock',
			invoke: (name) =>
				name === 'check_provider'
					? new Promise((done) => (finish = (info) => done({ ok: true, result: info } as never)))
					: Promise.resolve({ ok: true, result: listed([LOCAL, DESK]) } as never),
			listen: () => undefined
		};
		await useTransport(transport);
		await store.load();
		const checking = store.check('p-1');
		await Promise.resolve();
		expect(store.checking).toEqual({ 'p-1': true });
		finish({
			...DESK,
			health: { state: 'ok', checked_at: null, latency_ms: 3, error: null, next_check_s: 60 }
		});
		await checking;
		expect(store.checking).toEqual({});
		expect(store.get('p-1')?.health?.state).toBe('ok');
	});

	it('replaces the rules with what set_failover answers; removing takes the list', async () => {
		const rule = {
			provider_id: 'local',
			model: '*',
			policy: 'automatic' as const,
			targets: [{ provider_id: 'p-1', model: 'm' }] as [{ provider_id: string; model: string }]
		};
		await useTransport(
			fakeTransport({
				set_failover: () => ({ ...listed([LOCAL, DESK]), failover: [rule] }),
				remove_provider: () => listed([LOCAL])
			})
		);
		expect(await store.setFailover(rule)).toBe(true);
		expect(store.failover).toEqual([rule]);
		await store.remove('p-1');
		expect(store.providers).toEqual([LOCAL]);
		expect(store.failover).toEqual([]);
	});

	it('shows a rule at once, and what the backend holds when it refuses it', async () => {
		const rule: FailoverRule = { provider_id: 'local', model: '*', policy: 'ask', targets: [] };
		const pending: { answer: (() => void) | null } = { answer: null };
		const transport: Transport = {
			kind: 'mock',
			invoke: (name) =>
				name === 'set_failover'
					? new Promise(
							(done) =>
								(pending.answer = () =>
									done({
										ok: false,
										error: { code: 'not_found', message: 'gone', detail: null, fields: [] }
									} as never))
						)
					: Promise.resolve({ ok: true, result: listed([LOCAL]) } as never),
			listen: () => undefined
		};
		await useTransport(transport);
		const saving = store.setFailover(rule);
		expect(store.failover).toEqual([rule]);
		await vi.waitFor(() => expect(pending.answer).not.toBeNull());
		pending.answer?.();
		expect(await saving).toBe(false);
		expect(store.failover).toEqual([]);
		expect(store.error).toBe('gone');
	});
});
