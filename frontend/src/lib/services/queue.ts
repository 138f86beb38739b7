import type { MessageQueue, StreamStarted } from '$lib/types';
import { call } from './ipc';

/** The message queue's commands: messages typed while an answer streams. Stateless. */
export const QueueService = {
	add: (conversation_id: string, content: string): Promise<MessageQueue> =>
		call('queue_message', { conversation_id, content }),
	edit: (queued_id: string, content: string): Promise<MessageQueue> =>
		call('update_queued_message', { queued_id, content }),
	/** Move a queued message to `position` (0: next). */
	move: (queued_id: string, position: number): Promise<MessageQueue> =>
		call('update_queued_message', { queued_id, position }),
	remove: (queued_id: string): Promise<MessageQueue> =>
		call('delete_queued_message', { queued_id }),
	/** Stop the running answer (its text kept) and send this message now. */
	sendNow: (queued_id: string): Promise<StreamStarted> => call('send_queued_now', { queued_id }),
	resume: (conversation_id: string): Promise<MessageQueue> =>
		call('resume_queue', { conversation_id })
};
