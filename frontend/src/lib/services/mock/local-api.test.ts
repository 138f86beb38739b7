import { describe, expect, it } from 'vitest';
import { MockBackend } from './backend';
import { MOCK_TAKEN_PORT } from './local-api';

async function invoke(
	backend: MockBackend,
	name: 'save_config' | 'get_local_api_status' | 'regenerate_local_api_key',
	params: object = {}
) {
	const envelope = await backend.invoke(name, params as never);
	if (!envelope.ok) throw new Error(envelope.error.message);
	return envelope.result;
}

describe('the mock local API', () => {
	it('is off by default and runs at its port once switched on, as the backend does', async () => {
		const backend = new MockBackend({ emit: () => undefined });
		const off = await invoke(backend, 'get_local_api_status');
		expect(off).toMatchObject({ state: 'off', port: 7337, url: null, error: null });
		await invoke(backend, 'save_config', { config: { local_api: { enabled: true, port: 8000 } } });
		const running = await invoke(backend, 'get_local_api_status');
		expect(running).toMatchObject({ state: 'running', url: 'http://127.0.0.1:8000/v1' });
		expect((running as { model: string | null }).model).toBeTruthy();
	});

	it('fails on the taken port with the backend’s sentence', async () => {
		const backend = new MockBackend({ emit: () => undefined });
		await invoke(backend, 'save_config', {
			config: { local_api: { enabled: true, port: MOCK_TAKEN_PORT } }
		});
		const failed = (await invoke(backend, 'get_local_api_status')) as { error: string };
		expect(failed).toMatchObject({ state: 'failed', url: null });
		expect(failed.error).toMatch(/^Port 11434 on 127\.0\.0\.1 is already in use by /);
	});

	it('refuses a port out of range like the settings do', async () => {
		const backend = new MockBackend({ emit: () => undefined });
		await expect(
			invoke(backend, 'save_config', { config: { local_api: { port: 70000 } } })
		).rejects.toThrow('Settings not saved');
	});

	it('regenerates the key', async () => {
		const backend = new MockBackend({ emit: () => undefined });
		const before = (await invoke(backend, 'get_local_api_status')) as { api_key: string };
		const after = (await invoke(backend, 'regenerate_local_api_key')) as { api_key: string };
		expect(after.api_key).not.toBe(before.api_key);
		expect(after.api_key).toMatch(/^ldk-[A-Za-z0-9_-]{43}$/);
	});
});
