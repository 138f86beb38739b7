import type {
	Conversation,
	ConversationOptions,
	ConversationSummary,
	ExportResult,
	SearchHit
} from '$lib/types';
import { call } from './ipc';

/** Conversation commands. Stateless. */
export const ConversationService = {
	list: (offset = 0, limit?: number): Promise<ConversationSummary[]> =>
		call('list_conversations', limit === undefined ? { offset } : { offset, limit }),
	get: (conversation_id: string): Promise<Conversation> =>
		call('get_conversation', { conversation_id }),
	create: (title?: string): Promise<Conversation> =>
		call('create_conversation', title ? { title } : {}),
	rename: (conversation_id: string, title: string) =>
		call('rename_conversation', { conversation_id, title }),
	remove: (conversation_id: string) => call('delete_conversation', { conversation_id }),
	clear: (conversation_id: string): Promise<Conversation> =>
		call('clear_conversation', { conversation_id }),
	pin: (conversation_id: string, pinned: boolean) =>
		call('pin_conversation', { conversation_id, pinned }),
	search: (query: string, limit = 30): Promise<SearchHit[]> =>
		call('search_conversations', { query, limit }),
	exportAll: (
		format: 'json' | 'markdown',
		conversation_ids: string[] | null = null
	): Promise<ExportResult> => call('export_conversations', { conversation_ids, format }),
	importData: (data: string) => call('import_conversations', { data }),
	/** A conversation's own system prompt, sampling values and answer options (null: global). */
	updateSettings: (
		conversation_id: string,
		system_prompt: string | null,
		params: Record<string, number>,
		options: ConversationOptions
	): Promise<Conversation> =>
		call('update_conversation_settings', { conversation_id, system_prompt, params, options })
};
