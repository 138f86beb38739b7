import { EVENT } from '$lib/constants/bridge';
import { BridgeEvents } from '$lib/services/events';
import { ModelsService } from '$lib/services/models';
import type { ModelInfo } from '$lib/types';
import { messageOf } from '$lib/services/bridge-error';

/** What the manager is doing to one model. */
export type ModelAction = 'load' | 'unload' | 'remove';

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
	return Object.fromEntries(Object.entries(record).filter(([entry]) => entry !== key));
}

/** The models the app can load, the selected one, and the actions in flight on each. */
export class ModelsStore {
	models = $state<ModelInfo[]>([]);
	isLoading = $state(false);
	/** The last failure of listing or selecting (the chat screen shows it). */
	error = $state<string | null>(null);
	/** The action running on each model, by id. */
	pending = $state<Record<string, ModelAction>>({});
	/** Why the last action on a model failed, by id. */
	modelErrors = $state<Record<string, string>>({});
	addError = $state<string | null>(null);
	isAdding = $state(false);
	/** Why the native file dialog is unavailable (browser mode): the path must be typed. */
	pickError = $state<string | null>(null);

	readonly selectedModel = $derived(this.models.find((model) => model.selected) ?? null);
	readonly loadedCount = $derived(
		this.models.filter((model) => model.load_state === 'loaded').length
	);

	constructor() {
		BridgeEvents.subscribe((event) => {
			if (event.type === EVENT.modelsChanged) this.models = event.models;
		});
	}

	private async run(task: () => Promise<void>): Promise<void> {
		this.isLoading = true;
		try {
			await task();
			this.error = null;
		} catch (error) {
			this.error = messageOf(error);
		} finally {
			this.isLoading = false;
		}
	}

	/** Run `task` as `action` on one model; its failure is kept for that model. */
	private async act(
		modelId: string,
		action: ModelAction,
		task: () => Promise<void>
	): Promise<boolean> {
		this.pending = { ...this.pending, [modelId]: action };
		this.modelErrors = without(this.modelErrors, modelId);
		try {
			await task();
			return true;
		} catch (error) {
			this.modelErrors = { ...this.modelErrors, [modelId]: messageOf(error) };
			return false;
		} finally {
			this.pending = without(this.pending, modelId);
		}
	}

	load(): Promise<void> {
		return this.run(async () => {
			this.models = await ModelsService.list();
		});
	}

	refresh(): Promise<void> {
		return this.run(async () => {
			this.models = await ModelsService.refresh();
		});
	}

	/**
	 * Load and select a model. When it fails the backend keeps the previous one; the error
	 * (which says so) is kept for the model and shown on the chat screen.
	 */
	async selectModel(modelId: string): Promise<boolean> {
		const ok = await this.act(modelId, 'load', async () => {
			await ModelsService.select(modelId);
		});
		await this.load();
		if (!ok) this.error = this.modelErrors[modelId] ?? null;
		return ok;
	}

	/** Free a loaded model's memory. */
	unloadModel(modelId: string): Promise<boolean> {
		return this.act(modelId, 'unload', async () => {
			this.models = await ModelsService.unload(modelId);
		});
	}

	/** Take a model off the list, deleting its file when asked. */
	removeModel(modelId: string, deleteFile: boolean): Promise<boolean> {
		return this.act(modelId, 'remove', async () => {
			this.models = await ModelsService.remove(modelId, deleteFile);
		});
	}

	/** List a GGUF file where it lies; the new model, or null (see `addError`). */
	async addModelFile(path: string): Promise<ModelInfo | null> {
		this.isAdding = true;
		this.addError = null;
		try {
			const model = await ModelsService.addFile(path.trim());
			this.models = await ModelsService.list();
			return model;
		} catch (error) {
			this.addError = messageOf(error);
			return null;
		} finally {
			this.isAdding = false;
		}
	}

	/** Ask the desktop window for a file; null when cancelled or unavailable (see `pickError`). */
	async pickModelFile(): Promise<string | null> {
		try {
			const path = await ModelsService.pickFile();
			this.pickError = null;
			return path;
		} catch (error) {
			this.pickError = `${messageOf(error)} Type or paste the file's full path instead.`;
			return null;
		}
	}
}

export const modelsStore = new ModelsStore();
