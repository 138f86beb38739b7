import type { BridgeEvent, Message, MessageQueue, StreamStarted } from '$lib/types';
import type { MockQueues } from './queue';

export interface QueueHooks {
	emit: (event: BridgeEvent) => void;
	/** Send a message as the user would, streamed (the backend's `_send_streamed`). */
	send: (conversationId: string, content: string) => StreamStarted;
	/** Whether the conversation's answer is under way. */
	running: (conversationId: string) => boolean;
	/** Stop the conversation's answer (its `ended` runs before this returns). */
	stop: (conversationId: string) => void;
}

/**
 * The backend's `MessageQueueService`, ported: the next queued message goes after each answer
 * that completes; a stopped or failed answer pauses the queue; "send now" stops the answer
 * without pausing. Every change is told as `queue_changed` (with `sent` for a message sent).
 */
export class MockMessageQueue {
	/** Conversations whose answer "send now" is stopping: that end neither pauses nor sends. */
	private readonly held = new Set<string>();

	constructor(
		readonly queues: MockQueues,
		private readonly hooks: QueueHooks
	) {}

	add(conversationId: string, content: string): MessageQueue {
		this.queues.add(conversationId, content);
		if (!this.next(conversationId)) this.changed(conversationId);
		return this.queues.view(conversationId);
	}

	update(queuedId: string, content: string | null, position: number | null): MessageQueue {
		return this.changed(this.queues.update(queuedId, content, position).conversation_id);
	}

	remove(queuedId: string): MessageQueue {
		return this.changed(this.queues.remove(queuedId).conversation_id);
	}

	sendNow(queuedId: string): StreamStarted {
		const conversationId = this.queues.get(queuedId).conversation_id;
		if (this.hooks.running(conversationId)) {
			this.held.add(conversationId);
			try {
				this.hooks.stop(conversationId);
			} finally {
				this.held.delete(conversationId);
			}
		}
		const queued = this.queues.get(queuedId);
		return this.sendOne(conversationId, queued.id, queued.content);
	}

	resume(conversationId: string): MessageQueue {
		this.queues.unpause(conversationId);
		if (!this.next(conversationId)) this.changed(conversationId);
		return this.queues.view(conversationId);
	}

	/** An answer ended (after its stream_end or stream_error): send the next, or pause. */
	answered(message: Message): void {
		const conversationId = message.conversation_id;
		if (this.held.has(conversationId)) return;
		if (message.status === 'complete') return void this.next(conversationId);
		const why = message.status === 'error' ? 'error' : 'stopped';
		if (this.queues.pause(conversationId, why, message.error ?? null)) this.changed(conversationId);
	}

	private next(conversationId: string): boolean {
		if (this.hooks.running(conversationId)) return false;
		const queue = this.queues.view(conversationId);
		const head = queue.messages[0];
		if (queue.paused !== null || !head) return false;
		this.sendOne(conversationId, head.id, head.content);
		return true;
	}

	private sendOne(conversationId: string, queuedId: string, content: string): StreamStarted {
		const started = this.hooks.send(conversationId, content);
		this.queues.remove(queuedId);
		this.changed(conversationId, started);
		return started;
	}

	private changed(conversationId: string, sent: StreamStarted | null = null): MessageQueue {
		const queue = this.queues.view(conversationId);
		this.hooks.emit({ type: 'queue_changed', conversation_id: conversationId, queue, sent });
		return queue;
	}
}
