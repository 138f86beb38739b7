import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useTransport } from '$lib/services/ipc';
import { fakeTransport } from '$lib/testing/fake-transport';
import type { ConversationSummary } from '$lib/types';
import { UNDO_DELETE_MS, conversationsStore } from './conversations.svelte';

const summary: ConversationSummary = {
	id: 'c1',
	title: 'Trip',
	created_at: '2026-01-01T00:00:00Z',
	updated_at: '2026-01-01T00:00:00Z',
	message_count: 0,
	model: null,
	pinned: false
};

let transport: ReturnType<typeof fakeTransport>;

beforeEach(async () => {
	vi.useFakeTimers();
	transport = fakeTransport({
		list_conversations: () => [summary],
		delete_conversation: () => ({ deleted: true })
	});
	await useTransport(transport);
	await conversationsStore.load();
});

afterEach(() => vi.useRealTimers());

describe('conversationsStore delete with undo', () => {
	it('hides at once and deletes only after the undo window', async () => {
		conversationsStore.remove('c1');
		expect(conversationsStore.conversations).toEqual([]);
		expect(transport.calls.some(([name]) => name === 'delete_conversation')).toBe(false);
		await vi.advanceTimersByTimeAsync(UNDO_DELETE_MS);
		expect(transport.calls.filter(([name]) => name === 'delete_conversation')).toEqual([
			['delete_conversation', { conversation_id: 'c1' }]
		]);
	});

	it('undo brings it back and never deletes', async () => {
		conversationsStore.remove('c1');
		conversationsStore.undoDelete();
		await vi.advanceTimersByTimeAsync(UNDO_DELETE_MS * 2);
		expect(conversationsStore.conversations.map((entry) => entry.id)).toEqual(['c1']);
		expect(transport.calls.some(([name]) => name === 'delete_conversation')).toBe(false);
	});
});
