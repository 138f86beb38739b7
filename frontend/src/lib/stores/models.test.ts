import { beforeEach, describe, expect, it } from 'vitest';
import { BridgeEvents } from '$lib/services/events';
import { useTransport } from '$lib/services/ipc';
import { fakeTransport } from '$lib/testing/fake-transport';
import { bridgeError, failingTransport, modelInfo } from '$lib/testing/fixtures';
import type { ModelInfo } from '$lib/types';
import { ModelsStore } from './models.svelte';

const small = modelInfo('small', { selected: true, load_state: 'loaded' });
const big = modelInfo('big');

let store: ModelsStore;

beforeEach(async () => {
	store = new ModelsStore();
	await useTransport(fakeTransport({ list_models: () => [small, big] }));
	await store.load();
});

describe('ModelsStore', () => {
	it('lists the models and follows models_changed', () => {
		expect(store.selectedModel?.id).toBe('small');
		expect(store.loadedCount).toBe(1);
		BridgeEvents.dispatch({ type: 'models_changed', models: [big] });
		expect(store.models.map((model) => model.id)).toEqual(['big']);
		expect(store.selectedModel).toBeNull();
	});

	it('marks a model as loading while select_model runs, then lists again', async () => {
		let after: ModelInfo[] = [small, big];
		const transport = fakeTransport({
			list_models: () => after,
			select_model: () => {
				after = [
					{ ...small, selected: false, load_state: 'unloaded' },
					{ ...big, selected: true, load_state: 'loaded' }
				];
				return after[1] as ModelInfo;
			}
		});
		await useTransport(transport);
		const done = store.selectModel('big');
		expect(store.pending).toEqual({ big: 'load' });
		expect(await done).toBe(true);
		expect(store.pending).toEqual({});
		expect(store.selectedModel?.id).toBe('big');
		expect(store.error).toBeNull();
		expect(transport.calls.map(([name]) => name)).toEqual(['select_model', 'list_models']);
	});

	it('keeps the rollback error for the model and for the chat screen', async () => {
		const message = 'big failed to load: out of memory. small is loaded again.';
		await useTransport(
			failingTransport(
				{ list_models: () => [small, { ...big, load_state: 'failed' }] },
				{ select_model: bridgeError(message, { code: 'model_invalid' }) }
			)
		);
		expect(await store.selectModel('big')).toBe(false);
		expect(store.modelErrors).toEqual({ big: message });
		expect(store.error).toBe(message);
		expect(store.selectedModel?.id).toBe('small');
		expect(store.models[1]?.load_state).toBe('failed');
	});

	it('unloads and removes with the backend answer as the new list', async () => {
		const transport = fakeTransport({
			unload_model: () => [{ ...small, load_state: 'unloaded' }, big],
			remove_model: () => [small]
		});
		await useTransport(transport);
		expect(await store.unloadModel('small')).toBe(true);
		expect(store.loadedCount).toBe(0);
		expect(await store.removeModel('big', true)).toBe(true);
		expect(store.models.map((model) => model.id)).toEqual(['small']);
		expect(transport.calls).toEqual([
			['unload_model', { model_id: 'small' }],
			['remove_model', { model_id: 'big', delete_file: true }]
		]);
	});

	it('a refused action keeps its reason for that model only, until the next try', async () => {
		await useTransport(
			failingTransport(
				{ remove_model: () => [small] },
				{ unload_model: bridgeError('small is not loaded.', { code: 'conflict' }) }
			)
		);
		expect(await store.unloadModel('small')).toBe(false);
		expect(store.modelErrors).toEqual({ small: 'small is not loaded.' });
		expect(store.models).toHaveLength(2);
		await useTransport(fakeTransport({ unload_model: () => [small, big] }));
		await store.unloadModel('small');
		expect(store.modelErrors).toEqual({});
	});

	it('adds a file by its trimmed path and lists again', async () => {
		const linked = modelInfo('linked', { source: 'linked' });
		const transport = fakeTransport({
			add_model_file: () => linked,
			list_models: () => [small, big, linked]
		});
		await useTransport(transport);
		expect(await store.addModelFile('  /tmp/linked.gguf ')).toEqual(linked);
		expect(transport.calls[0]).toEqual(['add_model_file', { path: '/tmp/linked.gguf' }]);
		expect(store.models).toHaveLength(3);
		expect(store.addError).toBeNull();
	});

	it('a refused file keeps the reason', async () => {
		await useTransport(
			failingTransport({}, { add_model_file: bridgeError('notes.txt is not a .gguf file.') })
		);
		expect(await store.addModelFile('/tmp/notes.txt')).toBeNull();
		expect(store.addError).toBe('notes.txt is not a .gguf file.');
		expect(store.isAdding).toBe(false);
	});

	it('Browse… returns the picked path, or says to type it when there is no dialog', async () => {
		await useTransport(fakeTransport({ pick_model_file: () => ({ path: '/m/a.gguf' }) }));
		expect(await store.pickModelFile()).toBe('/m/a.gguf');
		expect(store.pickError).toBeNull();
		await useTransport(
			failingTransport({}, { pick_model_file: bridgeError('No file dialog in browser mode.') })
		);
		expect(await store.pickModelFile()).toBeNull();
		expect(store.pickError).toBe(
			"No file dialog in browser mode. Type or paste the file's full path instead."
		);
	});
});
