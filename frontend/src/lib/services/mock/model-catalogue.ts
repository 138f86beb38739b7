import type {
	BridgeEvent,
	BridgeFieldError,
	ModelInfo,
	ModelSettings,
	ServerStatus
} from '$lib/types';
import { MockFailure } from './errors';
import { draftRefusal, speculationErrors } from './model-speculation';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
/** Memory the mock machine has free, and the KV cache each model needs per token. */
const AVAILABLE_BYTES = 16 * GIB;
const KV_BYTES_PER_TOKEN = 128 * 1024;
const MIN_CONTEXT = 256;
const MAX_CONTEXT = 1_048_576;
/** The path `pick_model_file` answers with (the user "chose" it in the dialog). */
export const MOCK_PICKED_PATH = '/home/user/Downloads/Phi-3.5-mini-instruct-Q4_K_M.gguf';

/** The engine settings a model inherits, and how the mock serves models. */
export interface MockEngine {
	context_size: number;
	router_mode: boolean;
	models_max: number;
}

/** The engine section of the mock's settings, read with the backend's defaults. */
export function mockEngine(values: Record<string, Record<string, unknown>>): MockEngine {
	const engine = values.engine ?? {};
	return {
		context_size: typeof engine.context_size === 'number' ? engine.context_size : 4096,
		router_mode: engine.router_mode === true,
		models_max: typeof engine.models_max === 'number' ? engine.models_max : 2
	};
}

export interface MockModelsHost {
	emit: (event: BridgeEvent) => void;
	engine: () => MockEngine;
	/** The server's new state (the backend announces it). */
	serverChanged: (state: ServerStatus['state'], model: string | null) => void;
	loadMs: number;
}

type Entry = Omit<ModelInfo, 'fit' | 'selected' | 'load_state'>;

const BIG_MODEL = 'llama31-70b-instruct-q4km';
/** A vision model: its projector lies beside it, as Hugging Face and LM Studio put it. */
export const VISION_MODEL = 'gemma3-4b-it-q4km';
const NO_SETTINGS: ModelSettings = {
	context_size: null,
	threads: null,
	gpu_layers: null,
	chat_template_file: null,
	mmproj_file: null,
	extra_args: null,
	speculation: null,
	draft_model_id: null,
	ngram_lookup: null,
	draft_max: null,
	draft_min: null
};

/** Why loading a model fails (the backend then rolls back to the previous one). */
const LOAD_FAILURE: Record<string, string> = {
	[BIG_MODEL]:
		'llama-server ran out of memory while loading (exit code 137): the model needs more RAM than is free.'
};

/** Sizes as the backend words them (decimal units). */
function gigabytes(bytes: number): string {
	return `${(bytes / 1e9).toFixed(1)} GB`;
}

function entry(id: string, name: string, gib: number, extra: Partial<Entry> = {}): Entry {
	return {
		id,
		name,
		path: `/home/user/.llamadesk/models/${name.replaceAll(' ', '-')}.gguf`,
		size_bytes: Math.round(gib * GIB),
		architecture: 'llama',
		context_length: 131072,
		parameters: null,
		quantization: null,
		has_chat_template: true,
		source: 'folder',
		is_default: false,
		error: null,
		projector: null,
		...extra
	};
}

function catalogue(): Entry[] {
	return [
		entry('qwen25-7b-instruct-q4km', 'Qwen2.5 7B Instruct Q4_K_M', 4.7, {
			architecture: 'qwen2',
			context_length: 32768,
			parameters: 7_600_000_000,
			quantization: 'Q4_K_M'
		}),
		entry('smollm2-360m-instruct-q8', 'SmolLM2 360M Instruct Q8_0', 0.36, {
			parameters: 362_000_000,
			quantization: 'Q8_0',
			context_length: 8192,
			source: 'default',
			is_default: true,
			path: '/opt/llamadesk/share/SmolLM2-360M-Instruct-Q8_0.gguf'
		}),
		entry('llama32-3b-instruct-q8', 'Llama 3.2 3B Instruct Q8_0', 3.4, {
			parameters: 3_200_000_000,
			quantization: 'Q8_0'
		}),
		entry(VISION_MODEL, 'gemma-3-4b-it-Q4_K_M', 2.5, {
			architecture: 'gemma3',
			parameters: 3_880_000_000,
			quantization: 'Q4_K_M',
			path: '/home/user/.llamadesk/models/ggml-org/gemma-3-4b-it-GGUF/gemma-3-4b-it-Q4_K_M.gguf',
			projector:
				'/home/user/.llamadesk/models/ggml-org/gemma-3-4b-it-GGUF/mmproj-gemma-3-4b-it-f16.gguf'
		}),
		entry(BIG_MODEL, 'Llama 3.1 70B Instruct Q4_K_M', 42.5, {
			parameters: 70_600_000_000,
			quantization: 'Q4_K_M'
		}),
		entry('notes-backup', 'notes-backup', 0.002, {
			path: '/home/user/Documents/notes-backup.gguf',
			source: 'linked',
			architecture: null,
			context_length: null,
			has_chat_template: false,
			error: 'Not a GGUF file: it starts with "PK" (a zip archive?), not "GGUF".'
		})
	];
}

/** The model commands of the mock backend: a catalogue, load states and per-model settings. */
export class MockModels {
	private entries: Entry[];
	private selectedId: string | null;
	/** Loaded models, least recently used first. */
	private loaded: string[];
	private loading: string | null = null;
	private failed = new Set<string>();
	private settings = new Map<string, ModelSettings>();
	/** Files `remove_model` deleted from "disk", for tests. */
	readonly deletedFiles: string[] = [];

	constructor(
		private readonly host: MockModelsHost,
		withModels: boolean
	) {
		this.entries = withModels ? catalogue() : [];
		this.selectedId = this.entries[0]?.id ?? null;
		this.loaded = this.selectedId ? [this.selectedId] : [];
	}

	/** The id of the model the server runs, if any. */
	get selected(): string | null {
		return this.selectedId;
	}

	/** Whether the selected model drafts tokens (n-gram speculation or a draft model). */
	get drafting(): boolean {
		const settings = this.selectedId ? this.settings.get(this.selectedId) : undefined;
		return Boolean(settings?.speculation || settings?.draft_model_id);
	}

	list(): ModelInfo[] {
		return this.entries.map((model) => this.info(model));
	}

	private info(model: Entry): ModelInfo {
		const context = this.settings.get(model.id)?.context_size ?? this.host.engine().context_size;
		const kv = context * KV_BYTES_PER_TOKEN;
		const needed = model.size_bytes + kv + 256 * MIB;
		const fits = needed <= AVAILABLE_BYTES;
		return {
			...model,
			projector: this.settings.get(model.id)?.mmproj_file ?? model.projector,
			selected: model.id === this.selectedId,
			load_state: this.loadState(model.id),
			fit: model.error
				? null
				: {
						fits,
						needed_bytes: needed,
						available_bytes: AVAILABLE_BYTES,
						context_size: context,
						warning: fits
							? null
							: `Needs about ${gigabytes(needed)} (including ${gigabytes(kv)} for ${context} tokens of context), more memory than the ${gigabytes(AVAILABLE_BYTES)} free: it may fail to load or run very slowly. Try a smaller context, a smaller quantisation, or close apps.`
					}
		};
	}

	/** Whether the server, running `id`, reports that it sees images (it has a projector). */
	sees(id: string | null): boolean {
		const model = this.entries.find((candidate) => candidate.id === id);
		return model !== undefined && this.info(model).projector !== null;
	}

	private loadState(id: string): ModelInfo['load_state'] {
		if (this.loading === id) return 'loading';
		if (this.loaded.includes(id)) return 'loaded';
		return this.failed.has(id) ? 'failed' : 'unloaded';
	}

	private get(id: string): Entry {
		const model = this.entries.find((candidate) => candidate.id === id);
		if (!model)
			throw new MockFailure('not_found', `No model with id '${id}'; refresh the model list.`);
		return model;
	}

	private announce(): void {
		this.host.emit({ type: 'models_changed', models: structuredClone(this.list()) });
	}

	/** Load a model; in router mode a loaded one is selected at once and others stay loaded. */
	async select(id: string): Promise<ModelInfo> {
		const model = this.get(id);
		if (model.error)
			throw new MockFailure('model_invalid', `${model.name} cannot be loaded: ${model.error}`);
		const { router_mode, models_max } = this.host.engine();
		if (router_mode && this.loaded.includes(id)) {
			this.selectedId = id;
			this.touch(id);
			this.announce();
			return this.info(model);
		}
		const previous = this.selectedId;
		const wasLoaded = this.loaded;
		this.loading = id;
		this.failed.delete(id);
		if (!router_mode) {
			this.loaded = [];
			this.host.serverChanged('starting', id);
		}
		this.announce();
		await new Promise((resolve) => setTimeout(resolve, this.host.loadMs));
		this.loading = null;
		const failure = LOAD_FAILURE[id];
		if (failure) {
			this.failed.add(id);
			this.loaded = wasLoaded;
			this.host.serverChanged('ready', previous);
			this.announce();
			const back = previous ? this.get(previous).name : 'The previous model';
			throw new MockFailure(
				'model_invalid',
				`${model.name} failed to load: ${failure} ${back} is loaded again.`
			);
		}
		this.selectedId = id;
		this.loaded = router_mode ? [...this.loaded, id].slice(-models_max) : [id];
		this.host.serverChanged('ready', id);
		this.announce();
		return this.info(model);
	}

	private touch(id: string): void {
		this.loaded = [...this.loaded.filter((entry) => entry !== id), id];
	}

	unload(id: string): ModelInfo[] {
		const model = this.get(id);
		if (!this.loaded.includes(id))
			throw new MockFailure('conflict', `${model.name} is not loaded.`);
		this.loaded = this.loaded.filter((entry) => entry !== id);
		if (id === this.selectedId && !this.host.engine().router_mode)
			this.host.serverChanged('stopped', id);
		this.announce();
		return this.list();
	}

	add(path: string): ModelInfo {
		if (!path.startsWith('/'))
			throw new MockFailure(
				'invalid_argument',
				`Give the full path of the model file, not '${path}'.`
			);
		if (!path.toLowerCase().endsWith('.gguf'))
			throw new MockFailure('invalid_argument', `${path.split('/').pop()} is not a .gguf file.`);
		const existing = this.entries.find((model) => model.path === path);
		if (existing) return this.info(existing);
		const name = (path.split('/').pop() ?? path).replace(/\.gguf$/i, '');
		const model = entry(
			`linked-${this.entries.length}-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
			name,
			2.2,
			{
				path,
				source: 'linked',
				architecture: 'phi3',
				parameters: 3_800_000_000,
				quantization: 'Q4_K_M'
			}
		);
		this.entries = [...this.entries, model];
		this.announce();
		return this.info(model);
	}

	/** A finished download joins the models folder. */
	addDownloaded(path: string, sizeBytes: number): void {
		const name = (path.split('/').pop() ?? path).replace(/\.gguf$/i, '');
		const model = entry(`dl-${this.entries.length}`, name, sizeBytes / GIB, {
			path,
			quantization: 'Q4_K_M'
		});
		this.entries = [...this.entries, model];
		this.announce();
	}

	remove(id: string, deleteFile: boolean): ModelInfo[] {
		const model = this.get(id);
		if (model.is_default)
			throw new MockFailure('invalid_argument', 'The built-in model cannot be removed.');
		if (id === this.selectedId)
			throw new MockFailure(
				'conflict',
				`${model.name} is loaded; select another model before removing it.`
			);
		this.entries = this.entries.filter((candidate) => candidate.id !== id);
		this.loaded = this.loaded.filter((entry) => entry !== id);
		this.settings.delete(id);
		if (deleteFile) this.deletedFiles.push(model.path);
		this.announce();
		return this.list();
	}

	getSettings(id: string): ModelSettings {
		this.get(id);
		return this.settings.get(id) ?? NO_SETTINGS;
	}

	saveSettings(id: string, settings: ModelSettings): ModelSettings {
		const model = this.get(id);
		const fields = [...settingsErrors(settings), ...speculationErrors(settings)];
		if (fields.length) {
			const summary = fields.map((field) => `${field.field}: ${field.message}`).join('; ');
			throw new MockFailure(
				'invalid_argument',
				`Invalid arguments for save_model_settings: ${summary}`,
				fields
			);
		}
		const refused = settings.mmproj_file
			? projectorError(settings.mmproj_file, this.entries)
			: null;
		if (refused)
			throw new MockFailure('invalid_argument', refused, [
				{ field: 'settings.mmproj_file', message: refused }
			]);
		const draft = settings.draft_model_id
			? draftRefusal(this.info(model), settings.draft_model_id, this.list())
			: null;
		if (draft)
			throw new MockFailure('invalid_argument', draft, [
				{ field: 'settings.draft_model_id', message: draft }
			]);
		const saved: ModelSettings = {
			context_size: settings.context_size ?? null,
			threads: settings.threads ?? null,
			gpu_layers: settings.gpu_layers ?? null,
			chat_template_file: settings.chat_template_file ?? null,
			mmproj_file: settings.mmproj_file ?? null,
			extra_args: settings.extra_args ?? null,
			speculation: settings.speculation ?? null,
			draft_model_id: settings.draft_model_id ?? null,
			draft_max: settings.draft_max ?? null,
			draft_min: settings.draft_min ?? null
		};
		this.settings.set(id, saved);
		this.announce();
		return saved;
	}
}

/** The backend's check of a chosen projector (`check_projector`), for the files the mock knows. */
function projectorError(path: string, models: Entry[]): string | null {
	const name = path.split('/').pop() ?? path;
	if (!path.startsWith('/')) return `Give the full path of the projector file, not '${path}'.`;
	if (models.some((model) => model.path === path))
		return `${name} is a model, not a vision projector (an mmproj GGUF has general.type = mmproj).`;
	if (!name.toLowerCase().endsWith('.gguf'))
		return `${name}: Not a GGUF model file (it does not start with the GGUF signature).`;
	return null;
}

/** The bounds `ModelSettings` enforces, with pydantic's wording and field paths. */
function settingsErrors(settings: ModelSettings): BridgeFieldError[] {
	const bounds: [keyof ModelSettings, number, number][] = [
		['context_size', MIN_CONTEXT, MAX_CONTEXT],
		['threads', 0, 1024],
		['gpu_layers', -1, 10_000]
	];
	const errors: BridgeFieldError[] = [];
	for (const [key, min, max] of bounds) {
		const value = settings[key];
		if (typeof value !== 'number') continue;
		const field = `settings.${key}`;
		if (!Number.isInteger(value))
			errors.push({ field, message: 'Input should be a valid integer' });
		else if (value < min)
			errors.push({ field, message: `Input should be greater than or equal to ${min}` });
		else if (value > max)
			errors.push({ field, message: `Input should be less than or equal to ${max}` });
	}
	return errors;
}
