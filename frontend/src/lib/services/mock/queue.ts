import type { MessageQueue, QueuedMessage } from '$lib/types';
import { MockFailure } from './errors';

/** Why a queue waits: its answer was stopped, or it failed. */
export type QueuePause = NonNullable<MessageQueue['paused']>;

/** The most messages one queue holds (the backend's `QUEUE_MAX`). */
export const QUEUE_MAX = 50;

interface StoredQueue {
	messages: QueuedMessage[];
	paused: QueuePause | null;
	error: string | null;
}

/** The backend's `NotFound` for a queued message that was sent or deleted (`_queue_store`). */
function gone(queuedId: string): MockFailure {
	return new MockFailure(
		'not_found',
		'This queued message was already sent or deleted.',
		[],
		`queued message ${queuedId}`
	);
}

/**
 * Each conversation's message queue, as the backend's `QueueTable` stores it: messages in
 * order, and a pause only while messages wait (an emptied queue is unpaused).
 */
export class MockQueues {
	private readonly queues = new Map<string, StoredQueue>();

	constructor(
		private readonly nextId: () => string,
		private readonly stamp: () => string
	) {}

	private entry(conversationId: string): StoredQueue {
		let entry = this.queues.get(conversationId);
		if (!entry) {
			entry = { messages: [], paused: null, error: null };
			this.queues.set(conversationId, entry);
		}
		return entry;
	}

	/** A conversation's queue as the page sees it (a copy). */
	view(conversationId: string): MessageQueue {
		const entry = this.entry(conversationId);
		return structuredClone({ messages: entry.messages, paused: entry.paused, error: entry.error });
	}

	get(queuedId: string): QueuedMessage {
		for (const entry of this.queues.values()) {
			const found = entry.messages.find((message) => message.id === queuedId);
			if (found) return { ...found };
		}
		throw gone(queuedId);
	}

	add(conversationId: string, content: string): QueuedMessage {
		const entry = this.entry(conversationId);
		if (entry.messages.length >= QUEUE_MAX)
			throw new MockFailure(
				'invalid_argument',
				`The queue holds at most ${QUEUE_MAX} messages; wait for some to be sent or delete one.`
			);
		const message = {
			id: this.nextId(),
			conversation_id: conversationId,
			content,
			created_at: this.stamp()
		};
		entry.messages.push(message);
		return { ...message };
	}

	update(queuedId: string, content: string | null, position: number | null): QueuedMessage {
		const found = this.get(queuedId);
		const entry = this.entry(found.conversation_id);
		const index = entry.messages.findIndex((message) => message.id === queuedId);
		const message = { ...found, content: content ?? found.content };
		entry.messages.splice(index, 1);
		const at = position === null ? index : Math.min(position, entry.messages.length);
		entry.messages.splice(at, 0, message);
		return { ...message };
	}

	remove(queuedId: string): QueuedMessage {
		const found = this.get(queuedId);
		const entry = this.entry(found.conversation_id);
		entry.messages = entry.messages.filter((message) => message.id !== queuedId);
		if (entry.messages.length === 0) this.unpause(found.conversation_id);
		return found;
	}

	/** Pause a queue that holds messages; whether it did. */
	pause(conversationId: string, why: QueuePause, error: string | null): boolean {
		const entry = this.entry(conversationId);
		if (entry.messages.length === 0) return false;
		entry.paused = why;
		entry.error = error;
		return true;
	}

	unpause(conversationId: string): void {
		const entry = this.entry(conversationId);
		entry.paused = null;
		entry.error = null;
	}

	forget(conversationId: string): void {
		this.queues.delete(conversationId);
	}
}
