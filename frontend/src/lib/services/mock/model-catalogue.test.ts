import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BridgeEvent, CommandName, CommandParams, CommandResult, Envelope } from '$lib/types';
import { MockBackend } from './backend';
import { MOCK_PICKED_PATH, VISION_MODEL } from './model-catalogue';

let events: BridgeEvent[];
let backend: MockBackend;

async function invoke<K extends CommandName>(
	name: K,
	params: CommandParams<K>
): Promise<Envelope<CommandResult<K>>> {
	const pending = backend.invoke(name, params);
	await vi.advanceTimersByTimeAsync(1000);
	return pending;
}

async function ok<K extends CommandName>(
	name: K,
	params: CommandParams<K>
): Promise<CommandResult<K>> {
	const envelope = await invoke(name, params);
	if (!envelope.ok) throw new Error(`${name} failed: ${envelope.error.message}`);
	return envelope.result;
}

async function states(): Promise<Record<string, string>> {
	const models = await ok('list_models', {});
	return Object.fromEntries(models.map((model) => [model.id, model.load_state]));
}

const QWEN = 'qwen25-7b-instruct-q4km';
const LLAMA = 'llama32-3b-instruct-q8';
const BIG = 'llama31-70b-instruct-q4km';

beforeEach(() => {
	vi.useFakeTimers();
	events = [];
	backend = new MockBackend({
		emit: (event) => events.push(event),
		modelLoadMs: 500,
		downloadTickMs: 10
	});
});

afterEach(() => vi.useRealTimers());

describe('mock models', () => {
	it('lists a loaded default pick, a model that does not fit and an invalid file', async () => {
		const models = await ok('list_models', {});
		expect(models.find((model) => model.selected)?.load_state).toBe('loaded');
		expect(models.find((model) => model.id === BIG)?.fit?.fits).toBe(false);
		const invalid = models.find((model) => model.error !== null);
		expect(invalid?.fit).toBeNull();
		expect(models.some((model) => model.is_default && model.source === 'default')).toBe(true);
	});

	it('loads a model over time: loading, then loaded with the old one unloaded', async () => {
		const pending = backend.invoke('select_model', { model_id: LLAMA });
		await vi.advanceTimersByTimeAsync(100);
		expect((await states())[LLAMA]).toBe('loading');
		await vi.advanceTimersByTimeAsync(500);
		expect((await pending).ok).toBe(true);
		expect(await states()).toMatchObject({ [LLAMA]: 'loaded', [QWEN]: 'unloaded' });
		expect(events.some((event) => event.type === 'models_changed')).toBe(true);
	});

	it('rolls back to the previous model when one fails to load', async () => {
		const envelope = await invoke('select_model', { model_id: BIG });
		expect(!envelope.ok && envelope.error.message).toMatch(
			/failed to load: .* Qwen2.5 7B .* is loaded again\./
		);
		expect(await states()).toMatchObject({ [BIG]: 'failed', [QWEN]: 'loaded' });
		const models = await ok('list_models', {});
		expect(models.find((model) => model.selected)?.id).toBe(QWEN);
	});

	it('refuses an invalid file up front', async () => {
		const envelope = await invoke('select_model', { model_id: 'notes-backup' });
		expect(!envelope.ok && envelope.error.code).toBe('model_invalid');
	});

	it('in router mode keeps several loaded and selects a loaded one at once', async () => {
		await ok('save_config', { config: { engine: { router_mode: true, models_max: 2 } } });
		await ok('select_model', { model_id: LLAMA });
		expect(await states()).toMatchObject({ [LLAMA]: 'loaded', [QWEN]: 'loaded' });
		const instant = backend.invoke('select_model', { model_id: QWEN });
		await vi.advanceTimersByTimeAsync(0);
		expect((await instant).ok).toBe(true);
		await ok('select_model', { model_id: 'smollm2-360m-instruct-q8' });
		expect(await states()).toMatchObject({ [LLAMA]: 'unloaded', [QWEN]: 'loaded' });
	});

	it('unloads a loaded model and refuses one that is not loaded', async () => {
		expect(
			(await ok('unload_model', { model_id: QWEN })).find((model) => model.id === QWEN)?.load_state
		).toBe('unloaded');
		await expect(backend.invoke('get_server_status', {})).resolves.toMatchObject({
			result: { state: 'stopped' }
		});
		const again = await invoke('unload_model', { model_id: QWEN });
		expect(!again.ok && again.error.code).toBe('conflict');
	});

	it('validates per-model settings like the backend, field by field', async () => {
		const envelope = await invoke('save_model_settings', {
			model_id: LLAMA,
			settings: {
				context_size: 100,
				threads: 2,
				gpu_layers: -2,
				chat_template_file: null,
				mmproj_file: null,
				extra_args: null
			}
		});
		expect(!envelope.ok && (envelope.error.fields ?? []).map((field) => field.field)).toEqual([
			'settings.context_size',
			'settings.gpu_layers'
		]);
		const saved = await ok('save_model_settings', {
			model_id: LLAMA,
			settings: {
				context_size: 131072,
				threads: null,
				gpu_layers: null,
				chat_template_file: '/templates/tools.jinja',
				mmproj_file: '',
				extra_args: ['-fa']
			}
		});
		expect(await ok('get_model_settings', { model_id: LLAMA })).toEqual(saved);
		const models = await ok('list_models', {});
		expect(models.find((model) => model.id === LLAMA)?.fit).toMatchObject({
			context_size: 131072,
			fits: false
		});
	});

	it('checks speculative decoding like the backend: sizes that apply, a draft that shares the vocabulary', async () => {
		const base = await ok('get_model_settings', { model_id: BIG });
		const sizes = await invoke('save_model_settings', {
			model_id: BIG,
			settings: { ...base, speculation: 'ngram-simple', draft_max: 300, draft_min: 2 }
		});
		expect(!sizes.ok && sizes.error.fields).toEqual([
			{ field: 'settings.draft_max', message: 'Input should be less than or equal to 256' },
			{
				field: 'settings.draft_min',
				message: 'a minimum draft size needs a draft model or ngram-mod'
			}
		]);
		const lookup = await invoke('save_model_settings', {
			model_id: BIG,
			settings: { ...base, speculation: 'ngram-simple', ngram_lookup: 12 }
		});
		expect(!lookup.ok && lookup.error.fields).toEqual([
			{
				field: 'settings.draft_max',
				message:
					'ngram-simple drafts nothing when its draft (8) is shorter than its 12-token lookup; set 12 or more, or a shorter lookup'
			}
		]);
		const noLookup = await invoke('save_model_settings', {
			model_id: BIG,
			settings: { ...base, speculation: 'ngram-cache', ngram_lookup: 4 }
		});
		expect(!noLookup.ok && noLookup.error.fields).toEqual([
			{ field: 'settings.ngram_lookup', message: 'ngram-cache has no lookup length' }
		]);
		const other = await invoke('save_model_settings', {
			model_id: BIG,
			settings: { ...base, draft_model_id: QWEN }
		});
		expect(!other.ok && other.error.message).toBe(
			'Qwen2.5 7B Instruct Q4_K_M cannot draft for Llama 3.1 70B Instruct Q4_K_M: its tokenizer ' +
				"is qwen2, not llama3. A draft model must share the model's vocabulary (usually a " +
				'smaller model of the same family).'
		);
		expect(!other.ok && other.error.fields?.map((field) => field.field)).toEqual([
			'settings.draft_model_id'
		]);
		const saved = await ok('save_model_settings', {
			model_id: BIG,
			settings: { ...base, speculation: 'ngram-mod', draft_model_id: LLAMA, draft_max: 8 }
		});
		expect(saved).toMatchObject({ speculation: 'ngram-mod', draft_model_id: LLAMA, draft_max: 8 });
		expect(await ok('get_model_settings', { model_id: BIG })).toEqual(saved);
	});

	it('pairs the vision model with its projector, lets a setting replace it and checks it', async () => {
		const listed = await ok('list_models', {});
		const vision = listed.find((model) => model.id === VISION_MODEL);
		expect(vision?.projector).toMatch(/\/mmproj-gemma-3-4b-it-f16\.gguf$/);
		expect(listed.filter((model) => model.projector !== null)).toHaveLength(1);
		const settings = { ...(await ok('get_model_settings', { model_id: VISION_MODEL })) };
		const asModel = await invoke('save_model_settings', {
			model_id: VISION_MODEL,
			settings: { ...settings, mmproj_file: vision?.path ?? '' }
		});
		expect(!asModel.ok && asModel.error.message).toMatch('is a model, not a vision projector');
		expect(!asModel.ok && asModel.error.fields?.map((field) => field.field)).toEqual([
			'settings.mmproj_file'
		]);
		await ok('save_model_settings', {
			model_id: LLAMA,
			settings: { ...settings, mmproj_file: '/opt/projectors/mmproj-llama.gguf' }
		});
		const after = await ok('list_models', {});
		expect(after.find((model) => model.id === LLAMA)?.projector).toBe(
			'/opt/projectors/mmproj-llama.gguf'
		);
	});

	it('reports vision from the server only while a model with a projector runs', async () => {
		expect((await ok('get_server_defaults', {}))?.vision).toBe(false);
		await ok('select_model', { model_id: VISION_MODEL });
		expect((await ok('get_server_defaults', {}))?.vision).toBe(true);
	});

	it('removes a model, deleting its file on request, but never the selected or built-in one', async () => {
		const left = await ok('remove_model', { model_id: LLAMA, delete_file: true });
		expect(left.some((model) => model.id === LLAMA)).toBe(false);
		expect(backend.models.deletedFiles).toHaveLength(1);
		const selected = await invoke('remove_model', { model_id: QWEN, delete_file: false });
		expect(!selected.ok && selected.error.code).toBe('conflict');
		const builtIn = await invoke('remove_model', {
			model_id: 'smollm2-360m-instruct-q8',
			delete_file: false
		});
		expect(!builtIn.ok && builtIn.error.message).toMatch('built-in');
	});

	it('picks a fixed file and links it', async () => {
		const { path } = await ok('pick_model_file', {});
		expect(path).toBe(MOCK_PICKED_PATH);
		const model = await ok('add_model_file', { path: path ?? '' });
		expect(model.source).toBe('linked');
		const relative = await invoke('add_model_file', { path: 'model.gguf' });
		expect(!relative.ok && relative.error.message).toMatch('full path');
	});
});

describe('mock downloads', () => {
	function progress(id: string): string[] {
		return events.flatMap((event) =>
			event.type === 'download_progress' && event.download.id === id ? [event.download.status] : []
		);
	}

	it('progresses through events to done and lists the new model', async () => {
		await ok('download_model', { url: 'https://example.com/tiny.gguf' });
		await vi.advanceTimersByTimeAsync(1000);
		expect(progress('tiny.gguf')).toContain('running');
		expect(progress('tiny.gguf').at(-1)).toBe('done');
		const models = await ok('list_models', {});
		expect(models.some((model) => model.path.endsWith('/tiny.gguf'))).toBe(true);
	});

	it('a failing link stops half-way, and starting it again resumes to the end', async () => {
		await ok('download_model', { url: 'https://example.com/fail.gguf' });
		await vi.advanceTimersByTimeAsync(1000);
		const [failed] = await ok('list_downloads', {});
		expect(failed?.status).toBe('failed');
		expect(failed?.bytes_done).toBeGreaterThan(0);
		expect(failed?.error).toMatch('resume');
		const resumed = await ok('download_model', { url: failed?.url ?? '', filename: 'fail.gguf' });
		expect(resumed.bytes_done).toBe(failed?.bytes_done);
		await vi.advanceTimersByTimeAsync(1000);
		expect(progress('fail.gguf').at(-1)).toBe('done');
	});

	it('cancels a running download and stops its events', async () => {
		await backend.invoke('download_model', { url: 'https://example.com/big.gguf' });
		await vi.advanceTimersByTimeAsync(50);
		expect(progress('big.gguf').at(-1)).toBe('running');
		expect(await backend.invoke('cancel_download', { download_id: 'big.gguf' })).toEqual({
			ok: true,
			result: []
		});
		const count = events.length;
		await vi.advanceTimersByTimeAsync(1000);
		expect(events.length).toBe(count);
	});

	it('checks the link and the checksum like the backend', async () => {
		const envelope = await invoke('download_model', { url: 'ftp://x/m.gguf', sha256: 'abc' });
		expect(!envelope.ok && (envelope.error.fields ?? []).map((field) => field.field)).toEqual([
			'url',
			'sha256'
		]);
		const notGguf = await invoke('download_model', { url: 'https://x/readme.md' });
		expect(!notGguf.ok && notGguf.error.message).toMatch('.gguf');
	});
});
