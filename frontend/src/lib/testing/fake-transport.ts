import type {
	BridgeEventOf,
	CommandName,
	CommandParams,
	CommandResult,
	Conversation,
	LiveStream,
	Message,
	Transport
} from '$lib/types';

type Responder = { [K in CommandName]?: (params: CommandParams<K>) => CommandResult<K> };

/** A transport answering from canned handlers and recording every call (for store tests). */
export function fakeTransport(
	responders: Responder
): Transport & { calls: [CommandName, unknown][] } {
	const calls: [CommandName, unknown][] = [];
	return {
		kind: 'mock',
		calls,
		async invoke<K extends CommandName>(name: K, params: CommandParams<K>) {
			calls.push([name, params]);
			const responder = responders[name] as
				((params: CommandParams<K>) => CommandResult<K>) | undefined;
			if (!responder) {
				return {
					ok: false as const,
					error: {
						code: 'internal' as const,
						message: `no fake for ${name}`,
						detail: null,
						fields: []
					}
				};
			}
			return { ok: true as const, result: responder(params) };
		},
		listen: () => undefined
	};
}

export function message(
	id: string,
	role: Message['role'],
	content: string,
	extra: Partial<Message> = {}
): Message {
	return {
		id,
		conversation_id: 'c1',
		parent_id: null,
		role,
		content,
		reasoning: '',
		created_at: '2026-01-01T00:00:00Z',
		status: 'complete',
		error: null,
		model: null,
		timings: null,
		provider_id: null,
		provider_name: null,
		failover: null,
		sibling_ids: [id],
		...extra
	};
}

/** A conversation as `get_conversation` answers it: no answer streaming unless `extra` says. */
export function conversation(
	id: string,
	messages: Message[],
	extra: Partial<Conversation> = {}
): Conversation {
	return {
		id,
		title: id,
		created_at: '',
		updated_at: '',
		message_count: messages.length,
		model: null,
		pinned: false,
		messages,
		params: {},
		system_prompt: null,
		stream: null,
		provider_id: 'local',
		provider_model: null,
		...extra
	};
}

/** Answer a1's stream under way, as a conversation shows it: streamChunk's chunks are of it. */
export const LIVE_STREAM: LiveStream = {
	stream_id: 's1',
	message_id: 'a1',
	progress: null,
	question: null
};

/** Text `content` at `offset` of answer a1 in conversation c1 (stream s1). */
export function streamChunk(
	content: string,
	offset: number,
	extra: Partial<BridgeEventOf<'stream_chunk'>> = {}
): BridgeEventOf<'stream_chunk'> {
	return {
		type: 'stream_chunk',
		stream_id: 's1',
		conversation_id: 'c1',
		message_id: 'a1',
		content,
		reasoning: '',
		offset,
		reasoning_offset: 0,
		...extra
	};
}
