import type { ModelInfo, ModelSettings } from '$lib/types';
import { call } from './ipc';

/** Model commands. Stateless. */
export const ModelsService = {
	list: (): Promise<ModelInfo[]> => call('list_models', {}),
	refresh: (): Promise<ModelInfo[]> => call('refresh_models', {}),
	select: (model_id: string): Promise<ModelInfo> => call('select_model', { model_id }),
	unload: (model_id: string): Promise<ModelInfo[]> => call('unload_model', { model_id }),
	addFile: (path: string): Promise<ModelInfo> => call('add_model_file', { path }),
	remove: (model_id: string, delete_file: boolean): Promise<ModelInfo[]> =>
		call('remove_model', { model_id, delete_file }),
	/** The native file dialog's choice (null when cancelled); fails outside the desktop window. */
	pickFile: async (): Promise<string | null> => (await call('pick_model_file', {})).path,
	getSettings: (model_id: string): Promise<ModelSettings> =>
		call('get_model_settings', { model_id }),
	saveSettings: (model_id: string, settings: ModelSettings): Promise<ModelSettings> =>
		call('save_model_settings', { model_id, settings })
};
