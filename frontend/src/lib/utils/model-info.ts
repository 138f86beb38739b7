import type { ModelInfo, ServerDefaults } from '$lib/types';

/** Why a model cannot be removed now, or null when it can. */
export function removeBlockedReason(model: ModelInfo): string | null {
	if (model.is_default) return 'The built-in model cannot be removed.';
	if (model.selected) return 'This model is in use: select another model before removing it.';
	if (model.load_state === 'loaded' || model.load_state === 'loading')
		return 'This model is in memory: unload it before removing it.';
	return null;
}

/** An id that is safe inside element ids. */
export function modelSlug(model: ModelInfo): string {
	return model.id.replace(/[^A-Za-z0-9_-]/g, '');
}

/** Whether a model sees images: `yes`/`no` as the server reports it for the loaded model,
 * `projector` when it would load with a vision projector but has not been loaded yet. */
export type ModelVision = 'yes' | 'no' | 'projector';

/** What the model list and selector say about a model's vision. */
export function modelVision(model: ModelInfo, serverDefaults: ServerDefaults | null): ModelVision {
	const reported = model.selected && model.load_state === 'loaded' ? serverDefaults?.vision : null;
	if (reported === true || reported === false) return reported ? 'yes' : 'no';
	return model.projector ? 'projector' : 'no';
}

/** The file name at the end of a path. */
export function fileName(path: string): string {
	return path.split(/[\\/]/).pop() ?? path;
}

/** Why images cannot be attached for `model` (the selected one), or null when they can: a
 * model the server reports blind, or one that loads without a projector. */
export function imagesBlockedReason(
	model: ModelInfo | null,
	serverDefaults: ServerDefaults | null
): string | null {
	const vision = model ? modelVision(model, serverDefaults) : serverDefaults?.vision;
	if (vision === 'no' || vision === false)
		return 'The selected model cannot see images: it loads without a vision projector (mmproj). Choose a model marked Vision, or pick a projector in its load settings.';
	return null;
}
