import { EVENT } from '$lib/constants/bridge';
import { BridgeEvents } from '$lib/services/events';
import { ModelsService } from '$lib/services/models';
import type { ModelInfo } from '$lib/types';

/** The models the app can load and the selected one. */
class ModelsStore {
	models = $state<ModelInfo[]>([]);
	isLoading = $state(false);
	error = $state<string | null>(null);

	readonly selectedModel = $derived(this.models.find((model) => model.selected) ?? null);

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
			this.error = error instanceof Error ? error.message : String(error);
		} finally {
			this.isLoading = false;
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

	selectModel(modelId: string): Promise<void> {
		return this.run(async () => {
			const chosen = await ModelsService.select(modelId);
			this.models = this.models.map((model) => ({ ...model, selected: model.id === chosen.id }));
		});
	}
}

export const modelsStore = new ModelsStore();
