// @vitest-environment jsdom
import { flushSync } from 'svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BridgeEvents } from '$lib/services/events';
import { useTransport } from '$lib/services/ipc';
import {
	conversation,
	fakeTransport,
	LIVE_STREAM,
	message,
	streamChunk
} from '$lib/testing/fake-transport';
import type { Conversation, TokenProb } from '$lib/types';
import { AnswerTokens } from './answer-tokens';
import { ChatStore } from './chat.svelte';

/** One token per word, each with its alternatives. */
function probs(...tokens: string[]): TokenProb[] {
	return tokens.map((token) => ({ token, prob: 0.5, top: [{ token, prob: 0.5 }] }));
}

/** Each value `read` gives, as effects see it after every flush. */
function follow(read: () => number): { seen: number[]; stop: () => void } {
	const seen: number[] = [];
	const stop = $effect.root(() => {
		$effect(() => {
			seen.push(read());
		});
	});
	flushSync();
	return { seen, stop };
}

describe('AnswerTokens', () => {
	it('takes a message’s probabilities and gives the message back without them', () => {
		const tokens = new AnswerTokens();
		const sent = probs('Once', ' upon');
		const kept = tokens.adopt(message('a1', 'assistant', 'Once upon', { probs: sent }));
		expect(kept.probs).toBeNull();
		expect(tokens.list('a1')).toEqual(probs('Once', ' upon'));
		expect(tokens.count('a1')).toBe(2);
	});

	it('grows a list in place and signals its length, once per append', () => {
		const tokens = new AnswerTokens();
		const { seen, stop } = follow(() => tokens.count('a1'));
		tokens.append('a1', probs('Once'));
		flushSync();
		const list = tokens.list('a1');
		tokens.append('a1', probs(' upon', ' a'));
		tokens.append('a1', []);
		flushSync();
		expect(tokens.list('a1')).toBe(list);
		expect(list.map((prob) => prob.token)).toEqual(['Once', ' upon', ' a']);
		expect(seen).toEqual([0, 1, 3]);
		tokens.clear();
		flushSync();
		expect(seen).toEqual([0, 1, 3, 0]);
		expect(tokens.list('a1')).toEqual([]);
		stop();
	});

	it('leaves a message without probabilities as it is, and what it holds for it', () => {
		const tokens = new AnswerTokens();
		tokens.append('a1', probs('Once'));
		const bare = message('a1', 'assistant', 'Once');
		expect(tokens.adopt(bare)).toBe(bare);
		expect(tokens.count('a1')).toBe(1);
	});
});

describe('ChatStore token probabilities', () => {
	let view: Conversation;
	let store: ChatStore;
	let frames: (() => void)[];

	beforeEach(async () => {
		frames = [];
		view = conversation(
			'c1',
			[
				message('u1', 'user', 'Tell me a story'),
				message('a1', 'assistant', 'Once upon', {
					parent_id: 'u1',
					status: 'streaming',
					probs: probs('Once', ' upon')
				})
			],
			{ stream: LIVE_STREAM }
		);
		await useTransport(
			fakeTransport({
				get_conversation: (params: { conversation_id: string }) =>
					params.conversation_id === view.id ? view : conversation(params.conversation_id, [])
			})
		);
		store = new ChatStore((callback) => frames.push(callback));
	});

	afterEach(() => store.dispose());

	it('keeps them beside the messages, and a chunk adds only the tokens past the text it has', async () => {
		await store.open('c1');
		expect(store.messages[1]?.probs).toBeNull();
		expect(store.tokenCount('a1')).toBe(2);
		// Sent before the view was made: ' upon' is in it already.
		BridgeEvents.dispatch(streamChunk(' upon a', 4, { probs: probs(' upon', ' a') }));
		BridgeEvents.dispatch(streamChunk(' time', 11, { probs: probs(' time') }));
		for (const frame of frames.splice(0)) frame();
		expect(store.messages[1]?.content).toBe('Once upon a time');
		expect(store.tokenProbs('a1').map((prob) => prob.token)).toEqual([
			'Once',
			' upon',
			' a',
			' time'
		]);
		expect(store.messages[1]?.probs).toBeNull();
	});

	it('takes the final message’s list, and lets go of them with the conversation', async () => {
		await store.open('c1');
		const final = message('a1', 'assistant', 'Once upon a time.', {
			parent_id: 'u1',
			probs: probs('Once', ' upon', ' a', ' time', '.')
		});
		BridgeEvents.dispatch({
			type: 'stream_end',
			stream_id: 's1',
			conversation_id: 'c1',
			message: final
		});
		expect(store.tokenCount('a1')).toBe(5);
		expect(store.messages[1]?.probs).toBeNull();
		await store.open('c2');
		expect(store.tokenCount('a1')).toBe(0);
	});
});
