import { QueueService } from '$lib/services/queue';
import type { MessageQueue, QueuedMessage } from '$lib/types';

const EMPTY: MessageQueue = { messages: [], paused: null, error: null };

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/**
 * Each conversation's message queue as the backend last told it (a command's answer or a
 * `queue_changed` event, fed in by the chat store), and the commands on it. The backend sends
 * the queued messages; this store only shows and changes the list.
 */
export class QueueStore {
	queues = $state<Record<string, MessageQueue>>({});
	/** Queued messages whose command (edit, move, delete, send now) is on its way. */
	busy = $state<Record<string, boolean>>({});
	error = $state<string | null>(null);

	/** A conversation's queue (empty when nothing waits or it is not known yet). */
	of(conversationId: string | null): MessageQueue {
		return (conversationId && this.queues[conversationId]) || EMPTY;
	}

	/** The backend's word on a conversation's queue. */
	set(conversationId: string, queue: MessageQueue): void {
		this.queues = { ...this.queues, [conversationId]: queue };
	}

	private async run(
		conversationId: string,
		queuedId: string | null,
		task: () => Promise<MessageQueue | null>
	): Promise<void> {
		if (queuedId && this.busy[queuedId]) return;
		if (queuedId) this.busy = { ...this.busy, [queuedId]: true };
		this.error = null;
		try {
			const queue = await task();
			if (queue) this.set(conversationId, queue);
		} catch (error) {
			this.error = describe(error);
		} finally {
			if (queuedId) {
				const rest = { ...this.busy };
				delete rest[queuedId];
				this.busy = rest;
			}
		}
	}

	/** Queue a message after the running answer. */
	async add(conversationId: string, content: string): Promise<void> {
		await this.run(conversationId, null, () => QueueService.add(conversationId, content));
	}

	async edit(message: QueuedMessage, content: string): Promise<void> {
		const text = content.trim();
		if (!text) return;
		await this.run(message.conversation_id, message.id, () => QueueService.edit(message.id, text));
	}

	/** Move a queued message up (-1) or down (+1). */
	async move(message: QueuedMessage, offset: number): Promise<void> {
		const index = this.of(message.conversation_id).messages.findIndex((m) => m.id === message.id);
		const position = index + offset;
		if (index < 0 || position < 0) return;
		await this.run(message.conversation_id, message.id, () =>
			QueueService.move(message.id, position)
		);
	}

	async remove(message: QueuedMessage): Promise<void> {
		await this.run(message.conversation_id, message.id, () => QueueService.remove(message.id));
	}

	/** Stop the running answer and send this message now (its stream comes as an event). */
	async sendNow(message: QueuedMessage): Promise<void> {
		await this.run(message.conversation_id, message.id, async () => {
			await QueueService.sendNow(message.id);
			return null;
		});
	}

	/** A paused queue goes on with all its messages. */
	async resume(conversationId: string): Promise<void> {
		await this.run(conversationId, null, () => QueueService.resume(conversationId));
	}

	/** A paused queue sends only its next message, and stays paused after it. */
	async sendNext(conversationId: string): Promise<void> {
		const next = this.of(conversationId).messages[0];
		if (next) await this.sendNow(next);
	}
}

export const queueStore = new QueueStore();
