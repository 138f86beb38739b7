import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BridgeEvents } from '$lib/services/events';
import { useTransport } from '$lib/services/ipc';
import {
	conversation,
	fakeTransport,
	LIVE_STREAM as LIVE,
	message,
	streamChunk as chunk
} from '$lib/testing/fake-transport';
import type { Conversation, LiveStream } from '$lib/types';
import { ChatStore } from './chat.svelte';

/** The backend's view of c1 while its answer a1 streams, with the text it has so far. */
function live(text: string, stream: LiveStream | null = LIVE): Conversation {
	const answer = message('a1', 'assistant', text, { parent_id: 'u1', status: 'streaming' });
	return conversation('c1', [message('u1', 'user', 'Tell me a story'), answer], { stream });
}

let frames: (() => void)[];
let store: ChatStore;
/** What get_conversation answers next, and what the backend emits while it answers. */
let view: () => Conversation;
let reads: number;

function runFrames(): void {
	for (const frame of frames.splice(0)) frame();
}

function shown(): string | undefined {
	return store.messages.find((entry) => entry.id === 'a1')?.content;
}

beforeEach(async () => {
	frames = [];
	reads = 0;
	view = () => live('Once upon');
	await useTransport(
		fakeTransport({
			get_conversation: () => {
				reads += 1;
				return view();
			}
		})
	);
	store = new ChatStore((callback) => frames.push(callback));
});

afterEach(() => store.dispose());

describe('ChatStore re-attaching to an answer under way', () => {
	it('shows the text so far, follows the stream, and skips what a chunk repeats', async () => {
		await store.open('c1');
		expect(shown()).toBe('Once upon');
		expect(store.isLoading).toBe(true);
		expect(store.activeStream).toEqual({ streamId: 's1', conversationId: 'c1', messageId: 'a1' });
		BridgeEvents.dispatch(chunk(' upon a', 4)); // sent before the view was made, came after it
		BridgeEvents.dispatch(chunk(' time', 11));
		runFrames();
		expect(shown()).toBe('Once upon a time');
		expect(reads).toBe(1);
	});

	it('holds the chunks that come while the view is on its way, and replays them on it', async () => {
		view = () => {
			const now = live('Once');
			BridgeEvents.dispatch(chunk('Once', 0)); // already in the view
			BridgeEvents.dispatch(chunk(' upon', 4)); // emitted after the view was made
			return now;
		};
		await store.open('c1');
		runFrames();
		expect(shown()).toBe('Once upon');
	});

	it('reads the conversation again when a chunk starts past the text it has', async () => {
		await store.open('c1');
		view = () => live('Once upon a time there');
		BridgeEvents.dispatch(chunk(' was', 22)); // ' a time there' never came
		await vi.waitFor(() => expect(shown()).toBe('Once upon a time there'));
		runFrames();
		expect(reads).toBe(2);
		expect(shown()).toBe('Once upon a time there was');
	});

	it('applies an end that came while the view was on its way', async () => {
		const final = message('a1', 'assistant', 'Once upon a time.', { parent_id: 'u1' });
		view = () => {
			const now = live('Once upon');
			BridgeEvents.dispatch({
				type: 'stream_end',
				stream_id: 's1',
				conversation_id: 'c1',
				message: final
			});
			return now;
		};
		await store.open('c1');
		expect(shown()).toBe('Once upon a time.');
		expect(store.isLoading).toBe(false);
	});

	it('shows the prompt being read until the first text, also from the view', async () => {
		const progress = { total: 900, cache: 100, processed: 300, time_ms: 2000 };
		view = () => live('', { ...LIVE, progress });
		await store.open('c1');
		expect(store.reading).toEqual({ messageId: 'a1', progress });
		expect(store.awaitingFirstToken).toBe(true);
		const later = { ...progress, processed: 500, time_ms: 4000 };
		BridgeEvents.dispatch({
			type: 'stream_progress',
			stream_id: 's1',
			conversation_id: 'c1',
			message_id: 'a1',
			progress: later
		});
		expect(store.reading?.progress).toEqual(later);
		BridgeEvents.dispatch(chunk('Once', 0));
		expect(store.reading).toBeNull();
	});

	it('forgets a stream the view says is over', async () => {
		await store.open('c1');
		view = () => live('Once upon a time.', null);
		await store.close();
		await store.open('c1');
		expect(store.isLoading).toBe(false);
	});
});
