import { beforeEach, describe, expect, it } from 'vitest';
import { BridgeEvents } from '$lib/services/events';
import { useTransport } from '$lib/services/ipc';
import { fakeTransport } from '$lib/testing/fake-transport';
import type { ConfigView, RpcStatus } from '$lib/types';
import { RpcStore } from './rpc.svelte';
import { settingsStore } from './settings.svelte';

const WORKER = { address: '10.0.0.5:50052', enabled: true };
const STATUS: RpcStatus = {
	workers: [
		{
			address: WORKER.address,
			enabled: true,
			state: 'in_use',
			devices: [],
			free_bytes: 0,
			error: null,
			checked_at: null
		}
	],
	spread: [],
	model: null,
	fits: null,
	note: null,
	local: { state: 'off', address: null, error: null, warning: null }
};

function config(workers: unknown[]): ConfigView {
	return { values: { rpc: { workers } }, sources: {}, locked: [], json_schema: {} };
}

let store: RpcStore;

beforeEach(() => {
	store = new RpcStore();
	settingsStore.config = config([]);
});

describe('RpcStore', () => {
	it('takes the status from the command and from the event', async () => {
		await useTransport(fakeTransport({ get_rpc_status: () => STATUS }));
		await store.load();
		expect(store.stateOf(WORKER.address)?.state).toBe('in_use');
		BridgeEvents.dispatch({
			type: 'rpc_status',
			status: { ...STATUS, workers: [{ ...STATUS.workers[0]!, state: 'refused' }] }
		});
		expect(store.stateOf(WORKER.address)?.state).toBe('refused');
	});

	it('saves the list as plain settings and reloads the states; a duplicate is not sent', async () => {
		const transport = fakeTransport({
			save_config: () => ({ values: config([WORKER]).values, changed: [], restart_required: true }),
			get_rpc_status: () => STATUS
		});
		await useTransport(transport);
		expect(await store.add(WORKER.address)).toBe(true);
		expect(transport.calls).toEqual([
			['save_config', { config: { rpc: { workers: [WORKER] } } }],
			['get_rpc_status', {}]
		]);
		expect(store.workers).toEqual([WORKER]);
		expect(await store.add(WORKER.address)).toBe(true);
		expect(transport.calls).toHaveLength(2);
	});

	it('keeps why the settings refused a change', async () => {
		await useTransport(fakeTransport({}));
		expect(await store.setEnabled(WORKER.address, false)).toBe(false);
		expect(store.error).toContain('save_config');
	});
});
