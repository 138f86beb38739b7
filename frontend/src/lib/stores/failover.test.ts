import { beforeEach, describe, expect, it } from 'vitest';
import { useTransport } from '$lib/services/ipc';
import { fakeTransport, message } from '$lib/testing/fake-transport';
import type { Conversation, FailoverQuestion, Fallback, Providers } from '$lib/types';
import { FailoverStore } from './failover.svelte';

const QUESTION: FailoverQuestion = {
	id: 'q-1',
	stream_id: 's1',
	conversation_id: 'c1',
	message_id: 'a1',
	from_provider_id: 'local',
	from_provider_name: 'This computer',
	to_provider_id: 'p-desk',
	to_provider_name: 'Desktop',
	to_model: 'qwen',
	reason: 'The local llama-server is failed.',
	cut: true,
	text: 'The local model is not answering (The local llama-server is failed). Continue with Desktop/qwen?'
};
const FALLBACK: Fallback = {
	provider_id: 'local',
	provider_name: 'This computer',
	model: '*',
	to_provider_id: 'p-desk',
	to_provider_name: 'Desktop',
	to_model: 'qwen',
	reason: 'The local llama-server is failed.',
	since: '2026-12-01T16:00:00.000Z'
};

function providers(fallbacks: Fallback[]): Providers {
	return { providers: [], failover: [], fallbacks, key_store: '' };
}

function conversation(extra: Partial<Conversation> = {}): Conversation {
	return {
		id: 'c1',
		title: 'Chat',
		created_at: '2026-12-01T16:00:00.000Z',
		updated_at: '2026-12-01T16:00:00.000Z',
		provider_id: 'local',
		messages: [],
		stream: null,
		...extra
	} as Conversation;
}

let store: FailoverStore;

beforeEach(() => {
	store = new FailoverStore();
});

describe('FailoverStore', () => {
	it('holds the question of a paused answer until it is answered elsewhere or its stream ends', () => {
		store.handle({ type: 'failover_question', question: QUESTION });
		expect(store.questionFor('a1')).toEqual(QUESTION);
		expect(store.questionFor('a2')).toBeNull();
		store.handle({
			type: 'failover_answered',
			stream_id: 's1',
			conversation_id: 'c1',
			message_id: 'a1',
			question_id: 'q-other',
			choice: 'continue'
		});
		expect(store.questionFor('a1')).not.toBeNull();
		store.handle({
			type: 'failover_answered',
			stream_id: 's1',
			conversation_id: 'c1',
			message_id: 'a1',
			question_id: 'q-1',
			choice: 'continue'
		});
		expect(store.questionFor('a1')).toBeNull();
		store.handle({ type: 'failover_question', question: QUESTION });
		store.handle({
			type: 'stream_end',
			stream_id: 's1',
			conversation_id: 'c1',
			message: message('a1', 'assistant', 'Partial', { status: 'cancelled' })
		});
		expect(store.questionFor('a1')).toBeNull();
	});

	it('finds the question of a conversation opened mid-question, and drops a stale one', () => {
		store.adopt(
			conversation({
				stream: { stream_id: 's1', message_id: 'a1', progress: null, question: QUESTION }
			})
		);
		expect(store.questionFor('a1')?.id).toBe('q-1');
		store.adopt(conversation());
		expect(store.questionFor('a1')).toBeNull();
	});

	it('sends the choice and closes the question; an expired one closes with why', async () => {
		const transport = fakeTransport({
			answer_failover: ({ question_id, choice }) => ({ question_id, choice })
		});
		await useTransport(transport);
		store.handle({ type: 'failover_question', question: QUESTION });
		await store.answer(QUESTION, 'wait');
		expect(transport.calls).toEqual([['answer_failover', { question_id: 'q-1', choice: 'wait' }]]);
		expect(store.questionFor('a1')).toBeNull();
		expect(store.answering).toBeNull();
		await useTransport(fakeTransport({}));
		store.handle({ type: 'failover_question', question: QUESTION });
		await store.answer(QUESTION, 'continue');
		expect(store.questionFor('a1')).toBeNull();
		expect(store.errorFor('c1')).toBe('no fake for answer_failover');
		store.handle({ type: 'failover_question', question: QUESTION });
		expect(store.errorFor('c1')).toBeNull();
	});

	it('names a fall-back in the banner of a conversation its stand-in answered, until it ends', async () => {
		await useTransport(fakeTransport({ list_providers: () => providers([FALLBACK]) }));
		await store.load();
		store.adopt(conversation());
		const local = [message('a0', 'assistant', 'Hi', { provider_id: 'local' })];
		const stood = [...local, message('a1', 'assistant', 'Yo', { provider_id: 'p-desk' })];
		expect(store.bannerFor('c1', local)).toBeNull();
		expect(store.bannerFor('c1', stood)).toEqual(FALLBACK);
		expect(store.bannerFor(null, stood)).toBeNull();
		store.adopt(conversation({ provider_id: 'p-desk' }));
		expect(store.bannerFor('c1', stood)).toBeNull();
		store.adopt(conversation());
		store.handle({ type: 'providers_changed', providers: providers([]) });
		expect(store.bannerFor('c1', stood)).toBeNull();
	});
});
