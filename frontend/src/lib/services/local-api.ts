import type { LocalApiStatus } from '$lib/types';
import { call } from './ipc';

/** The local OpenAI-compatible server. Stateless; its switch and port are settings. */
export const LocalApiService = {
	/** Its state, URL, key and the model it serves. */
	status: (): Promise<LocalApiStatus> => call('get_local_api_status', {}),
	/** A new key; the old one is refused from the next request on. */
	regenerateKey: (): Promise<LocalApiStatus> => call('regenerate_local_api_key', {})
};
