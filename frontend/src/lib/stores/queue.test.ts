import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BridgeEvents } from '$lib/services/events';
import { useTransport } from '$lib/services/ipc';
import { fakeTransport, message } from '$lib/testing/fake-transport';
import type { Conversation, MessageQueue, QueuedMessage } from '$lib/types';
import { ChatStore } from './chat.svelte';
import { QueueStore, queueStore } from './queue.svelte';

function queued(id: string, content: string, conversation_id = 'c1'): QueuedMessage {
	return { id, conversation_id, content, created_at: '2026-01-01T00:00:00Z' };
}

function queueOf(...messages: QueuedMessage[]): MessageQueue {
	return { messages, paused: null, error: null };
}

function conversation(id: string, queue: MessageQueue): Conversation {
	return {
		id,
		title: id,
		created_at: '',
		updated_at: '',
		message_count: 1,
		model: null,
		pinned: false,
		messages: [message('u0', 'user', 'old', { conversation_id: id })],
		params: {},
		system_prompt: null,
		stream: null,
		provider_id: 'local',
		provider_model: null,
		queue
	};
}

const started = (conversation_id: string, content: string, parent: string) => ({
	stream_id: `s-${content}`,
	conversation_id,
	user_message: message(`u-${content}`, 'user', content, { conversation_id, parent_id: parent }),
	assistant_message: message(`a-${content}`, 'assistant', '', {
		conversation_id,
		parent_id: `u-${content}`,
		status: 'streaming'
	})
});

describe('QueueStore', () => {
	let transport: ReturnType<typeof fakeTransport>;
	let store: QueueStore;

	beforeEach(async () => {
		const a = queued('q1', 'a');
		const b = queued('q2', 'b');
		transport = fakeTransport({
			queue_message: ({ content }) => queueOf(a, b, queued('q3', content)),
			update_queued_message: ({ content, position }) =>
				position === 0 ? queueOf(b, a) : queueOf({ ...a, content: content ?? 'a' }, b),
			delete_queued_message: () => queueOf(b),
			send_queued_now: ({ queued_id }) => started('c1', queued_id, 'x'),
			resume_queue: () => queueOf(b)
		});
		await useTransport(transport);
		store = new QueueStore();
		store.set('c1', { ...queueOf(a, b), paused: 'stopped' });
	});

	it('knows nothing of a conversation it was not told about', () => {
		expect(store.of('c9')).toEqual(queueOf());
		expect(store.of(null)).toEqual(queueOf());
	});

	it('adds, edits, moves and deletes through the backend and shows its answer', async () => {
		await store.add('c1', 'c');
		expect(store.of('c1').messages.map((m) => m.content)).toEqual(['a', 'b', 'c']);
		await store.edit(queued('q1', 'a'), '  a, edited ');
		expect(transport.calls.at(-1)).toEqual([
			'update_queued_message',
			{ queued_id: 'q1', content: 'a, edited' }
		]);
		expect(store.of('c1').messages[0]?.content).toBe('a, edited');
		await store.move(queued('q2', 'b'), -1);
		expect(transport.calls.at(-1)).toEqual([
			'update_queued_message',
			{ queued_id: 'q2', position: 0 }
		]);
		expect(store.of('c1').messages.map((m) => m.id)).toEqual(['q2', 'q1']);
		await store.remove(queued('q1', 'a'));
		expect(store.of('c1').messages.map((m) => m.id)).toEqual(['q2']);
	});

	it('does not edit to blank text or move the first one up', async () => {
		await store.edit(queued('q1', 'a'), '   ');
		await store.move(queued('q1', 'a'), -1);
		expect(transport.calls).toEqual([]);
	});

	it('sends the next one of a paused queue, or resumes it', async () => {
		await store.sendNext('c1');
		expect(transport.calls).toEqual([['send_queued_now', { queued_id: 'q1' }]]);
		await store.resume('c1');
		expect(transport.calls.at(-1)).toEqual(['resume_queue', { conversation_id: 'c1' }]);
		expect(store.of('c1').paused).toBeNull();
	});

	it('says why a command failed and clears the busy mark', async () => {
		await useTransport(fakeTransport({}));
		await store.remove(queued('q1', 'a'));
		expect(store.error).toBe('no fake for delete_queued_message');
		expect(store.busy).toEqual({});
	});
});

describe('ChatStore with a queue', () => {
	let transport: ReturnType<typeof fakeTransport>;
	let chat: ChatStore;
	const frames: (() => void)[] = [];

	beforeEach(async () => {
		transport = fakeTransport({
			get_conversation: ({ conversation_id }) =>
				conversation(conversation_id, queueOf(queued('q1', 'waiting', conversation_id))),
			send_chat_message_stream: ({ content }) => started('c1', content, 'u0'),
			queue_message: ({ conversation_id, content }) =>
				queueOf(queued('q1', 'waiting'), queued('q2', content, conversation_id))
		});
		await useTransport(transport);
		chat = new ChatStore((callback) => frames.push(callback));
		await chat.open('c1');
	});

	afterEach(() => chat.dispose());

	it("shows the queue the conversation's view holds", () => {
		expect(queueStore.of('c1').messages.map((m) => m.content)).toEqual(['waiting']);
	});

	it('queues what is sent while an answer streams instead of sending it', async () => {
		await chat.send('first');
		expect(chat.isLoading).toBe(true);
		await chat.send('  second ');
		expect(transport.calls.at(-1)).toEqual([
			'queue_message',
			{ conversation_id: 'c1', content: 'second' }
		]);
		expect(chat.messages.filter((m) => m.role === 'user').map((m) => m.content)).toEqual([
			'old',
			'first'
		]);
		expect(queueStore.of('c1').messages.map((m) => m.content)).toEqual(['waiting', 'second']);
	});

	it('draws a message the backend sent from the queue as a new answer on its way', () => {
		BridgeEvents.dispatch({
			type: 'queue_changed',
			conversation_id: 'c1',
			queue: queueOf(),
			sent: started('c1', 'waiting', 'u0')
		});
		expect(chat.messages.map((m) => m.id)).toEqual(['u0', 'u-waiting', 'a-waiting']);
		expect(chat.isLoading).toBe(true);
		expect(chat.activeStream?.messageId).toBe('a-waiting');
		expect(queueStore.of('c1').messages).toEqual([]);
	});

	it("keeps another conversation's queue and stream out of the open one", () => {
		BridgeEvents.dispatch({
			type: 'queue_changed',
			conversation_id: 'c2',
			queue: { ...queueOf(queued('q7', 'elsewhere', 'c2')), paused: 'error', error: 'boom' },
			sent: started('c2', 'other', 'x')
		});
		expect(chat.messages.map((m) => m.id)).toEqual(['u0']);
		expect(chat.isLoading).toBe(false);
		expect(queueStore.of('c2')).toMatchObject({ paused: 'error', error: 'boom' });
		expect(queueStore.of('c1').messages.map((m) => m.content)).toEqual(['waiting']);
	});
});
