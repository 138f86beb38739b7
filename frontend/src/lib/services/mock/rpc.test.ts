import { describe, expect, it } from 'vitest';
import { MockBackend } from './backend';

async function invoke(
	backend: MockBackend,
	name: 'save_config' | 'get_rpc_status',
	params: object
) {
	const envelope = await backend.invoke(name, params as never);
	if (!envelope.ok) throw new Error(envelope.error.message);
	return envelope.result;
}

describe('the mock RPC workers', () => {
	it('follow the settings: a saved worker is checked, the list needs a restart', async () => {
		const backend = new MockBackend({ emit: () => undefined });
		const saved = await invoke(backend, 'save_config', {
			config: { rpc: { workers: [{ address: '10.0.0.5:50052', enabled: true }] } }
		});
		expect(saved).toMatchObject({ changed: ['rpc.workers'], restart_required: true });
		const status = await invoke(backend, 'get_rpc_status', {});
		expect(status).toMatchObject({
			workers: [{ address: '10.0.0.5:50052', state: 'in_use' }],
			fits: true
		});
	});

	it('say why a worker cannot be used, and what the launch left out', async () => {
		const backend = new MockBackend({ emit: () => undefined });
		const workers = [
			{ address: '10.0.0.5:50052', enabled: true },
			{ address: '10.0.0.6:1', enabled: true },
			{ address: '10.0.0.7:2', enabled: true }
		];
		await invoke(backend, 'save_config', { config: { rpc: { workers } } });
		const status = (await invoke(backend, 'get_rpc_status', {})) as {
			workers: { state: string }[];
			note: string;
		};
		expect(status.workers.map((worker) => worker.state)).toEqual([
			'in_use',
			'refused',
			'not_answering'
		]);
		expect(status.note).toContain('Started without worker 10.0.0.6:1');
	});
});
