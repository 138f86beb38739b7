import type {
	Conversation,
	FailoverRule,
	ProviderConfig,
	ProviderInfo,
	Providers
} from '$lib/types';
import { call } from './ipc';

/** Provider commands (the local server and remote OpenAI-compatible ones). Stateless. */
export const ProvidersService = {
	list: (): Promise<Providers> => call('list_providers', {}),
	/** Add a remote provider; the key is sent once and never comes back (only `has_key`). */
	add: (provider: ProviderConfig, api_key: string | null): Promise<ProviderInfo> =>
		call('add_provider', { provider, api_key }),
	/** Save a provider's set-up; `api_key` null keeps the stored key, "" removes it. */
	update: (
		provider_id: string,
		provider: ProviderConfig,
		api_key: string | null
	): Promise<ProviderInfo> => call('update_provider', { provider_id, provider, api_key }),
	remove: (provider_id: string): Promise<Providers> => call('remove_provider', { provider_id }),
	/** Check its model list now (bounded by its timeout). */
	check: (provider_id: string): Promise<ProviderInfo> => call('check_provider', { provider_id }),
	setFailover: (rule: FailoverRule): Promise<Providers> => call('set_failover', { rule }),
	/** Which provider and model answer a conversation from now on. */
	choose: (
		conversation_id: string,
		provider_id: string,
		model: string | null
	): Promise<Conversation> =>
		call('set_conversation_provider', { conversation_id, provider_id, model })
};
