import { describe, expect, it } from 'vitest';
import { useTransport } from '$lib/services/ipc';
import { MOCK_ABOUT } from '$lib/services/mock/server';
import { fakeTransport } from '$lib/testing/fake-transport';
import type { Transport } from '$lib/types';
import { settingsStore } from './settings.svelte';

describe('settingsStore', () => {
	it('sends nested updates and maps config_invalid field errors to paths', async () => {
		const sent: unknown[] = [];
		const transport: Transport = {
			kind: 'mock',
			listen: () => undefined,
			invoke: async (_name, params) => {
				sent.push(params);
				return {
					ok: false,
					error: {
						code: 'config_invalid',
						message: 'Settings not saved',
						detail: null,
						fields: [{ field: 'generation.temperature', message: 'too hot' }]
					}
				};
			}
		};
		await useTransport(transport);
		expect(await settingsStore.saveConfig({ 'generation.temperature': 9 })).toBeNull();
		expect(sent).toEqual([{ config: { generation: { temperature: 9 } } }]);
		expect(settingsStore.fieldErrors).toEqual({ 'generation.temperature': 'too hot' });
	});

	it('derives the theme and send-on-enter from the values', async () => {
		await useTransport({
			kind: 'mock',
			listen: () => undefined,
			invoke: async () =>
				({
					ok: true,
					result: {
						values: { appearance: { theme: 'dark' }, behaviour: { send_on_enter: false } },
						sources: {},
						locked: [],
						json_schema: {}
					}
				}) as never
		});
		await settingsStore.loadConfig();
		expect(settingsStore.theme).toBe('dark');
		expect(settingsStore.sendOnEnter).toBe(false);
	});

	it("keeps the server's last defaults when asking fails or the server is not ready", async () => {
		const answers = [
			{ ok: true, result: { temperature: 0.8, seed: -1 } },
			{ ok: true, result: null },
			{ ok: false, error: { code: 'server_unavailable', message: 'x', detail: null, fields: [] } }
		];
		await useTransport({
			kind: 'mock',
			listen: () => undefined,
			invoke: async (name) => {
				expect(name).toBe('get_server_defaults');
				return answers.shift() as never;
			}
		});
		await settingsStore.loadServerDefaults();
		expect(settingsStore.serverDefaults).toEqual({ temperature: 0.8, seed: -1 });
		await settingsStore.loadServerDefaults();
		await settingsStore.loadServerDefaults();
		expect(settingsStore.serverDefaults).toEqual({ temperature: 0.8, seed: -1 });
	});

	it('loads the About section and hides it when the backend cannot answer', async () => {
		await useTransport(fakeTransport({ get_about: () => MOCK_ABOUT }));
		await settingsStore.loadAbout();
		expect(settingsStore.about).toMatchObject({ packaged: true, cpu_variant: 'haswell' });
		await useTransport(fakeTransport({}));
		await settingsStore.loadAbout();
		expect(settingsStore.about).toBeNull();
	});
});
