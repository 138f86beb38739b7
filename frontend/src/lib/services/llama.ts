import type {
	AnswerToolCallParams,
	AttachmentChoice,
	ContextUsage,
	DraftRead,
	BridgeEventOf,
	BridgeEventType,
	Conversation,
	StreamStarted,
	ToolCallInfo
} from '$lib/types';
import { EVENT } from '$lib/constants/bridge';
import { BridgeEvents } from './events';
import { call } from './ipc';

/** Everything a streaming answer sends: its prompt's reading, its text, its end, its tool
 * calls and rounds; and the conversation's queue changing (a queued message sent starts one). */
export type StreamEvent = BridgeEventOf<
	| 'stream_chunk'
	| 'stream_end'
	| 'stream_error'
	| 'tool_call'
	| 'stream_round'
	| 'stream_notice'
	| 'stream_progress'
	| 'queue_changed'
>;

const STREAM_TYPES: ReadonlySet<BridgeEventType> = new Set([
	EVENT.streamChunk,
	EVENT.streamEnd,
	EVENT.streamError,
	EVENT.toolCall,
	EVENT.streamRound,
	EVENT.streamNotice,
	EVENT.streamProgress,
	EVENT.queueChanged
]);

/** Chat and streaming commands, and the routing of stream events. Stateless. */
export const LlamaService = {
	sendStream: (
		conversation_id: string,
		content: string,
		attachments: AttachmentChoice[] = []
	): Promise<StreamStarted> =>
		call('send_chat_message_stream', { conversation_id, content, attachments }),
	stop: (conversation_id: string) => call('stop_generation', { conversation_id }),
	regenerate: (message_id: string): Promise<StreamStarted> =>
		call('regenerate_message', { message_id }),
	/** A new answer beside this one: its tokens before `index`, then `token`, then more. */
	regenerateFromToken: (message_id: string, index: number, token: string): Promise<StreamStarted> =>
		call('regenerate_from_token', { message_id, index, token }),
	/** End the running answer's thinking now; false when it was not thinking any more. */
	stopThinking: (conversation_id: string) => call('stop_thinking', { conversation_id }),
	continueMessage: (message_id: string): Promise<StreamStarted> =>
		call('continue_message', { message_id }),
	/** A new version of a user message; its attachments are kept. */
	edit: (message_id: string, content: string): Promise<StreamStarted> =>
		call('edit_message', { message_id, content, attachments: null }),
	selectBranch: (message_id: string): Promise<Conversation> =>
		call('select_branch', { message_id }),
	deleteMessage: (message_id: string): Promise<Conversation> =>
		call('delete_message', { message_id }),
	/** Run or deny a tool call that waits for approval; answers the call in its new state. */
	answerToolCall: (answer: AnswerToolCallParams): Promise<ToolCallInfo> =>
		call('answer_tool_call', answer),

	/** The tokens the next prompt would take with `draft`, of one slot's context. */
	contextUsage: (conversation_id: string | null, draft: string): Promise<ContextUsage> =>
		call('get_context_usage', { conversation_id, draft }),

	/** Read the message being typed into the conversation's slot before it is sent. */
	readAheadDraft: (conversation_id: string, text: string): Promise<DraftRead> =>
		call('read_ahead_draft', { conversation_id, text }),

	/** Subscribe to stream events only. */
	onStreamEvent(handler: (event: StreamEvent) => void): () => void {
		return BridgeEvents.subscribe((event) => {
			if (STREAM_TYPES.has(event.type)) handler(event as StreamEvent);
		});
	}
};
