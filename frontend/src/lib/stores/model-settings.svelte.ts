import { BridgeCallError, messageOf } from '$lib/services/bridge-error';
import { ModelsService } from '$lib/services/models';
import type { ModelSettings } from '$lib/types';

/** The backend names a bad load setting `settings.<field>[.<index>]`; the form knows `<field>`. */
const FIELD_PREFIX = 'settings.';

/** One model's load settings, being edited in the settings dialog. */
export class ModelSettingsStore {
	modelId = $state<string | null>(null);
	settings = $state<ModelSettings | null>(null);
	isSaving = $state(false);
	error = $state<string | null>(null);
	/** Backend validation errors by field name (`context_size`, …). */
	fieldErrors = $state<Record<string, string>>({});

	/** Fetch a model's saved settings for editing. */
	async open(modelId: string): Promise<void> {
		this.modelId = modelId;
		this.settings = null;
		this.error = null;
		this.fieldErrors = {};
		try {
			const settings = await ModelsService.getSettings(modelId);
			if (this.modelId === modelId) this.settings = settings;
		} catch (error) {
			if (this.modelId === modelId) this.error = messageOf(error);
		}
	}

	close(): void {
		this.modelId = null;
		this.settings = null;
	}

	/** Save the settings; false (with `error` and `fieldErrors`) when the backend refuses them. */
	async save(settings: ModelSettings): Promise<boolean> {
		const modelId = this.modelId;
		if (!modelId) return false;
		this.isSaving = true;
		try {
			this.settings = await ModelsService.saveSettings(modelId, settings);
			this.error = null;
			this.fieldErrors = {};
			return true;
		} catch (error) {
			this.error = messageOf(error);
			this.fieldErrors = error instanceof BridgeCallError ? fieldMap(error) : {};
			return false;
		} finally {
			this.isSaving = false;
		}
	}
}

function fieldMap(error: BridgeCallError): Record<string, string> {
	return Object.fromEntries(
		error.fields.map(({ field, message }) => [
			(field.startsWith(FIELD_PREFIX) ? field.slice(FIELD_PREFIX.length) : field).split('.')[0],
			message
		])
	);
}

export const modelSettingsStore = new ModelSettingsStore();
