import { beforeEach, describe, expect, it } from 'vitest';
import { useTransport } from '$lib/services/ipc';
import { fakeTransport } from '$lib/testing/fake-transport';
import { bridgeError, failingTransport } from '$lib/testing/fixtures';
import type { ModelSettings } from '$lib/types';
import { ModelSettingsStore } from './model-settings.svelte';

const inherit: ModelSettings = {
	context_size: null,
	threads: null,
	gpu_layers: null,
	chat_template_file: null,
	mmproj_file: null,
	extra_args: null
};

let store: ModelSettingsStore;

beforeEach(() => {
	store = new ModelSettingsStore();
});

describe('ModelSettingsStore', () => {
	it('opens a model with its saved settings and saves new ones', async () => {
		const saved = { ...inherit, context_size: 8192 };
		const transport = fakeTransport({
			get_model_settings: () => inherit,
			save_model_settings: ({ settings }) => settings
		});
		await useTransport(transport);
		await store.open('m1');
		expect(store.settings).toEqual(inherit);
		expect(await store.save(saved)).toBe(true);
		expect(store.settings).toEqual(saved);
		expect(transport.calls.at(-1)).toEqual([
			'save_model_settings',
			{ model_id: 'm1', settings: saved }
		]);
	});

	it('maps the backend field errors onto the form fields', async () => {
		await useTransport(
			failingTransport(
				{ get_model_settings: () => inherit },
				{
					save_model_settings: bridgeError('Invalid arguments for save_model_settings', {
						fields: [
							{ field: 'settings.context_size', message: 'at least 256' },
							{ field: 'settings.extra_args.1', message: 'not a string' },
							{ field: 'threads', message: 'at most 1024' }
						]
					})
				}
			)
		);
		await store.open('m1');
		expect(await store.save({ ...inherit, context_size: 10 })).toBe(false);
		expect(store.fieldErrors).toEqual({
			context_size: 'at least 256',
			extra_args: 'not a string',
			threads: 'at most 1024'
		});
		expect(store.error).toBe('Invalid arguments for save_model_settings');
		expect(store.isSaving).toBe(false);
	});

	it('drops the answer for a model that is no longer open', async () => {
		await useTransport(
			fakeTransport({
				get_model_settings: ({ model_id }) => ({ ...inherit, threads: model_id.length })
			})
		);
		const first = store.open('first');
		store.close();
		await first;
		expect(store.modelId).toBeNull();
		expect(store.settings).toBeNull();
	});
});
