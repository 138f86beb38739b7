import type { ConfigView, SaveConfigResult } from '$lib/types';
import { call } from './ipc';

/** Settings commands. Stateless. */
export const ConfigService = {
	load: (): Promise<ConfigView> => call('get_config', {}),
	save: (config: Record<string, unknown>): Promise<SaveConfigResult> =>
		call('save_config', { config })
};
