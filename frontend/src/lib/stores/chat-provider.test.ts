import { beforeEach, describe, expect, it } from 'vitest';
import { useTransport } from '$lib/services/ipc';
import { fakeTransport, message } from '$lib/testing/fake-transport';
import type { Conversation } from '$lib/types';
import { ChatStore } from './chat.svelte';

/** Who answers the open conversation: chosen, remembered, and set on a new chat's first message. */
function conversation(id: string, provider_id = 'local', provider_model: string | null = null) {
	const view: Conversation = {
		id,
		title: id,
		created_at: '',
		updated_at: '',
		message_count: 0,
		model: null,
		pinned: false,
		messages: [],
		params: {},
		system_prompt: null,
		stream: null,
		provider_id,
		provider_model
	};
	return view;
}

let store: ChatStore;
let transport: ReturnType<typeof fakeTransport>;

beforeEach(async () => {
	transport = fakeTransport({
		get_conversation: ({ conversation_id }) => conversation(conversation_id, 'p-1', 'qwen'),
		create_conversation: () => conversation('c-new'),
		list_conversations: () => [],
		set_conversation_provider: ({ conversation_id, provider_id, model }) =>
			conversation(conversation_id, provider_id, model ?? null),
		send_chat_message_stream: ({ conversation_id, content }) => ({
			stream_id: 's1',
			conversation_id,
			user_message: message('u1', 'user', content),
			assistant_message: message('a1', 'assistant', '', { status: 'streaming' })
		})
	});
	await useTransport(transport);
	store = new ChatStore(() => undefined);
});

describe('ChatStore provider', () => {
	it('takes the provider an opened conversation remembers', async () => {
		await store.open('c1');
		expect(store.remoteChoice).toEqual({ providerId: 'p-1', model: 'qwen' });
		store.close();
		expect(store.remoteChoice).toBeNull();
	});

	it('sets the open conversation provider through the backend', async () => {
		await store.open('c1');
		await store.chooseProvider('local', null);
		expect(store.remoteChoice).toBeNull();
		expect(transport.calls.at(-1)).toEqual([
			'set_conversation_provider',
			{ conversation_id: 'c1', provider_id: 'local', model: null }
		]);
	});

	it('keeps a new chat choice until its first message creates the conversation', async () => {
		await store.chooseProvider('p-2', 'llama');
		expect(transport.calls).toEqual([]);
		expect(store.remoteChoice).toEqual({ providerId: 'p-2', model: 'llama' });
		await store.send('Hello');
		const names = transport.calls.map(([name]) => name);
		expect(names.indexOf('set_conversation_provider')).toBeLessThan(
			names.indexOf('send_chat_message_stream')
		);
		expect(transport.calls).toContainEqual([
			'set_conversation_provider',
			{ conversation_id: 'c-new', provider_id: 'p-2', model: 'llama' }
		]);
	});
});
