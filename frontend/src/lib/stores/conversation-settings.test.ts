import { beforeEach, describe, expect, it } from 'vitest';
import { useTransport } from '$lib/services/ipc';
import { fakeTransport } from '$lib/testing/fake-transport';
import { bridgeError, failingTransport } from '$lib/testing/fixtures';
import type { Conversation } from '$lib/types';
import { ConversationSettingsStore, defaultOptions } from './conversation-settings.svelte';

function conversation(extra: Partial<Conversation> = {}): Conversation {
	return {
		id: 'c1',
		title: 'Trip',
		created_at: '2026-01-01T00:00:00Z',
		updated_at: '2026-01-01T00:00:00Z',
		message_count: 0,
		model: null,
		pinned: false,
		provider_id: 'local',
		provider_model: null,
		stream: null,
		system_prompt: null,
		...extra
	};
}

let store: ConversationSettingsStore;

beforeEach(() => {
	store = new ConversationSettingsStore();
});

describe('ConversationSettingsStore', () => {
	it('loads the conversation’s own values, dropping unset ones and filling in the options', async () => {
		await useTransport(
			fakeTransport({
				get_conversation: () =>
					conversation({
						system_prompt: 'Answer in French.',
						params: { temperature: 0.3, top_k: null, seed: 42 },
						options: { ...defaultOptions(), stop: ['END'] }
					})
			})
		);
		await store.load('c1');
		expect(store.conversationId).toBe('c1');
		expect(store.saved).toEqual({
			system_prompt: 'Answer in French.',
			params: { temperature: 0.3, seed: 42 },
			options: { stop: ['END'], token_probs: 0, reasoning_effort: null, reasoning_budget: null }
		});
		expect(store.error).toBeNull();
	});

	it('a conversation saved before the options existed gets the defaults', async () => {
		await useTransport(fakeTransport({ get_conversation: () => conversation() }));
		await store.load('c1');
		expect(store.saved).toEqual({ system_prompt: null, params: {}, options: defaultOptions() });
	});

	it('saves the draft and keeps what the backend stored', async () => {
		const transport = fakeTransport({
			get_conversation: () => conversation(),
			update_conversation_settings: ({ system_prompt, params, options }) =>
				conversation({ system_prompt, params, options })
		});
		await useTransport(transport);
		await store.load('c1');
		const draft = {
			system_prompt: 'Be brief.',
			params: { temperature: 0.7 },
			options: { ...defaultOptions(), token_probs: 3, reasoning_effort: 'low' as const }
		};
		expect(await store.save(draft)).toBe(true);
		expect(store.saved).toEqual(draft);
		expect(store.isSaving).toBe(false);
		expect(transport.calls.at(-1)).toEqual([
			'update_conversation_settings',
			{ conversation_id: 'c1', ...draft }
		]);
	});

	it('reset to global sends no values of its own', async () => {
		const transport = fakeTransport({
			get_conversation: () => conversation({ params: { temperature: 0.1 } }),
			update_conversation_settings: ({ system_prompt, params, options }) =>
				conversation({ system_prompt, params, options })
		});
		await useTransport(transport);
		await store.load('c1');
		expect(await store.reset()).toBe(true);
		expect(transport.calls.at(-1)).toEqual([
			'update_conversation_settings',
			{ conversation_id: 'c1', system_prompt: null, params: {}, options: defaultOptions() }
		]);
		expect(store.saved?.params).toEqual({});
	});

	it('a refused value names its field and keeps what was saved', async () => {
		await useTransport(
			failingTransport(
				{ get_conversation: () => conversation({ params: { temperature: 0.5 } }) },
				{
					update_conversation_settings: bridgeError('Invalid arguments', {
						fields: [{ field: 'params.temperature', message: 'between 0 and 5' }]
					})
				}
			)
		);
		await store.load('c1');
		const saved = store.saved;
		expect(
			await store.save({
				system_prompt: null,
				params: { temperature: 9 },
				options: defaultOptions()
			})
		).toBe(false);
		expect(store.fieldErrors).toEqual({ 'params.temperature': 'between 0 and 5' });
		expect(store.error).toBe('Invalid arguments');
		expect(store.saved).toEqual(saved);
		expect(store.isSaving).toBe(false);
	});

	it('another error is shown without field errors; nothing is saved without a conversation', async () => {
		await useTransport(
			failingTransport(
				{ get_conversation: () => conversation() },
				{ update_conversation_settings: bridgeError('The server is gone', { code: 'internal' }) }
			)
		);
		expect(await store.save({ system_prompt: null, params: {}, options: defaultOptions() })).toBe(
			false
		);
		await store.load('c1');
		expect(await store.reset()).toBe(false);
		expect(store.fieldErrors).toEqual({});
		expect(store.error).toBe('The server is gone');
	});

	it('a load that fails says why; a slower earlier load does not overwrite a later one', async () => {
		await useTransport(
			failingTransport(
				{},
				{ get_conversation: bridgeError('No such conversation', { code: 'not_found' }) }
			)
		);
		await store.load('gone');
		expect(store.error).toBe('No such conversation');

		let release: () => void = () => undefined;
		const gate = new Promise<void>((resolve) => (release = resolve));
		const inner = fakeTransport({
			get_conversation: ({ conversation_id }) =>
				conversation({ id: conversation_id, system_prompt: conversation_id })
		});
		await useTransport({
			...inner,
			invoke: async (name, params) => {
				if (
					name === 'get_conversation' &&
					(params as { conversation_id: string }).conversation_id === 'slow'
				)
					await gate;
				return inner.invoke(name, params);
			}
		});
		const slow = store.load('slow');
		await store.load('fast');
		release();
		await slow;
		expect(store.conversationId).toBe('fast');
		expect(store.saved?.system_prompt).toBe('fast');
		expect(store.error).toBeNull();
	});
});
