import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BridgeEvents } from '$lib/services/events';
import { useTransport } from '$lib/services/ipc';
import {
	conversation as testConversation,
	fakeTransport,
	message
} from '$lib/testing/fake-transport';
import type { Conversation } from '$lib/types';
import { ChatStore } from './chat.svelte';

/** A conversation whose branch is one old message, unless given others. */
function conversation(id: string, messages = [message('u0', 'user', 'old')]): Conversation {
	return testConversation(id, messages);
}

/** A chunk of the answer `send` starts (add its content and offset). */
const chunk = {
	type: 'stream_chunk',
	stream_id: 's1',
	conversation_id: 'c1',
	message_id: 'a1',
	reasoning: '',
	reasoning_offset: 0
} as const;

let frames: (() => void)[];
let store: ChatStore;

function runFrame(): void {
	const pending = frames;
	frames = [];
	for (const frame of pending) frame();
}

beforeEach(async () => {
	frames = [];
	await useTransport(
		fakeTransport({
			get_conversation: ({ conversation_id }) => conversation(conversation_id),
			send_chat_message_stream: ({ content }) => ({
				stream_id: 's1',
				conversation_id: 'c1',
				user_message: message('u1', 'user', content),
				assistant_message: message('a1', 'assistant', '', { status: 'streaming' })
			}),
			stop_generation: () => ({ stopped: true })
		})
	);
	store = new ChatStore((callback) => frames.push(callback));
	await store.open('c1');
});

afterEach(() => store.dispose());

describe('ChatStore', () => {
	it('opens a conversation', () => {
		expect(store.messages.map((entry) => entry.id)).toEqual(['u0']);
	});

	it('sends, shows the typing state, then applies buffered chunks once per frame', async () => {
		await store.send('hello');
		expect(store.messages.map((entry) => entry.id)).toEqual(['u0', 'u1', 'a1']);
		expect(store.isLoading).toBe(true);
		expect(store.awaitingFirstToken).toBe(true);
		BridgeEvents.dispatch({ ...chunk, content: 'Hel', offset: 0 });
		BridgeEvents.dispatch({ ...chunk, content: 'lo', offset: 3 });
		expect(store.messages[2]?.content).toBe('');
		expect(frames).toHaveLength(1);
		runFrame();
		expect(store.messages[2]?.content).toBe('Hello');
		expect(store.awaitingFirstToken).toBe(false);
	});

	it("hands the streaming answer's new text to its renderer, until the final message replaces it", async () => {
		await store.send('hello');
		BridgeEvents.dispatch({ ...chunk, content: 'Hel', offset: 0 });
		runFrame();
		BridgeEvents.dispatch({ ...chunk, content: 'lo', offset: 3 });
		runFrame();
		expect(store.gainedText('a1', 1, 5)).toBe('ello');
		BridgeEvents.dispatch({
			type: 'stream_end',
			stream_id: 's1',
			conversation_id: 'c1',
			message: message('a1', 'assistant', 'Hello', { status: 'complete' })
		});
		expect(store.gainedText('a1', 5, 5)).toBeNull();
	});

	it('replaces the message with the final one at stream_end, flushing pending chunks first', async () => {
		await store.send('hello');
		BridgeEvents.dispatch({
			type: 'stream_chunk',
			stream_id: 's1',
			conversation_id: 'c1',
			message_id: 'a1',
			content: 'Hi',
			reasoning: '',
			offset: 0,
			reasoning_offset: 0
		});
		const final = message('a1', 'assistant', 'Hi there', { status: 'complete' });
		BridgeEvents.dispatch({
			type: 'stream_end',
			stream_id: 's1',
			conversation_id: 'c1',
			message: final
		});
		expect(store.messages[2]).toEqual(final);
		expect(store.isLoading).toBe(false);
		runFrame();
		expect(store.messages[2]?.content).toBe('Hi there');
	});

	it('keeps the partial answer and the reason on stream_error', async () => {
		await store.send('hello');
		const partial = message('a1', 'assistant', 'Hal', { status: 'error', error: 'crashed' });
		BridgeEvents.dispatch({
			type: 'stream_error',
			stream_id: 's1',
			conversation_id: 'c1',
			message: partial,
			error: {
				code: 'server_unavailable',
				message: 'The server crashed.',
				detail: null,
				fields: []
			}
		});
		expect(store.messages[2]).toMatchObject({ content: 'Hal', status: 'error' });
		expect(store.error).toBe('The server crashed.');
		expect(store.isLoading).toBe(false);
	});

	it('ignores chunks for other conversations', async () => {
		BridgeEvents.dispatch({
			type: 'stream_chunk',
			stream_id: 's9',
			conversation_id: 'other',
			message_id: 'u0',
			content: '!',
			reasoning: '',
			offset: 0,
			reasoning_offset: 0
		});
		runFrame();
		expect(store.messages[0]?.content).toBe('old');
	});

	it('drops a late answer from a conversation the user already left', async () => {
		const opening = store.open('c2');
		await store.open('c3');
		await opening;
		expect(store.conversationId).toBe('c3');
	});

	it('does not send empty text or while an answer is streaming', async () => {
		await store.send('   ');
		await store.send('first');
		await store.send('second');
		expect(
			store.messages.filter((entry) => entry.role === 'user').map((entry) => entry.content)
		).toEqual(['old', 'first']);
	});
});
