import { beforeEach, describe, expect, it } from 'vitest';
import { BridgeEvents } from '$lib/services/events';
import { useTransport } from '$lib/services/ipc';
import { fakeTransport } from '$lib/testing/fake-transport';
import type { ConfigView, LocalApiStatus } from '$lib/types';
import { LocalApiStore } from './local-api.svelte';
import { settingsStore } from './settings.svelte';

const OFF: LocalApiStatus = {
	state: 'off',
	port: 7337,
	url: null,
	api_key: 'ldk-one',
	key_store: 'the OS keyring (SecretService)',
	model: 'SmolLM2-135M-Instruct.Q4_1',
	error: null
};
const RUNNING: LocalApiStatus = { ...OFF, state: 'running', url: 'http://127.0.0.1:7337/v1' };

function config(values: Record<string, unknown>): ConfigView {
	return { values: { local_api: values }, sources: {}, locked: [], json_schema: {} };
}

let store: LocalApiStore;

beforeEach(() => {
	store = new LocalApiStore();
	settingsStore.config = config({ enabled: false, port: 7337 });
});

describe('LocalApiStore', () => {
	it('reads the switch and port from the settings, the state from the command and events', async () => {
		expect(store.settings).toEqual({ enabled: false, port: 7337 });
		await useTransport(fakeTransport({ get_local_api_status: () => OFF }));
		await store.load();
		expect(store.status?.state).toBe('off');
		BridgeEvents.dispatch({ type: 'local_api_status', status: RUNNING });
		expect(store.status?.url).toBe('http://127.0.0.1:7337/v1');
	});

	it('saves the switch with the port, then asks for the state', async () => {
		const transport = fakeTransport({
			save_config: () => ({
				values: config({ enabled: true, port: 8000 }).values,
				changed: ['local_api.enabled', 'local_api.port'],
				restart_required: false
			}),
			get_local_api_status: () => RUNNING
		});
		await useTransport(transport);
		expect(await store.save(true, 8000)).toBe(true);
		expect(transport.calls).toEqual([
			['save_config', { config: { local_api: { enabled: true, port: 8000 } } }],
			['get_local_api_status', {}]
		]);
		expect(store.status?.state).toBe('running');
		expect(store.isBusy).toBe(false);
	});

	it('keeps why a save or a new key was refused', async () => {
		await useTransport(fakeTransport({}));
		expect(await store.save(true, 7337)).toBe(false);
		expect(store.error).toContain('save_config');
		await store.regenerateKey();
		expect(store.error).toContain('regenerate_local_api_key');
	});

	it('takes the new key from regenerate', async () => {
		await useTransport(
			fakeTransport({ regenerate_local_api_key: () => ({ ...OFF, api_key: 'ldk-two' }) })
		);
		await store.regenerateKey();
		expect(store.status?.api_key).toBe('ldk-two');
	});
});
