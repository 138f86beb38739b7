import type { ModelInfo } from '$lib/types';

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
