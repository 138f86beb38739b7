import type { ServerStatus } from '$lib/types';
import { call } from './ipc';

/** llama-server lifecycle commands. Stateless. */
export const ServerService = {
	status: (): Promise<ServerStatus> => call('get_server_status', {}),
	restart: (): Promise<ServerStatus> => call('restart_server', {}),
	logs: (lines = 500): Promise<string[]> =>
		call('get_server_logs', { lines }).then((result) => result.lines)
};
