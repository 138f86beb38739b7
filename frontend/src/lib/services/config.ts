import type { About, ConfigView, SaveConfigResult, ServerDefaults } from '$lib/types';
import { call } from './ipc';

/** Settings commands. Stateless. */
export const ConfigService = {
	load: (): Promise<ConfigView> => call('get_config', {}),
	save: (config: Record<string, unknown>): Promise<SaveConfigResult> =>
		call('save_config', { config }),
	/** llama-server's own sampling defaults, or null while it is not ready. */
	serverDefaults: (): Promise<ServerDefaults | null> => call('get_server_defaults', {}),
	/** The app's, the engine's and the default model's versions (Settings → About). */
	about: (): Promise<About> => call('get_about', {})
};
