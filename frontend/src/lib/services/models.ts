import type { ModelInfo } from '$lib/types';
import { call } from './ipc';

/** Model commands. Stateless. */
export const ModelsService = {
	list: (): Promise<ModelInfo[]> => call('list_models', {}),
	refresh: (): Promise<ModelInfo[]> => call('refresh_models', {}),
	select: (model_id: string): Promise<ModelInfo> => call('select_model', { model_id })
};
