import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useTransport } from '$lib/services/ipc';
import { fakeTransport } from '$lib/testing/fake-transport';
import type { ConversationSummary } from '$lib/types';
import { CONVERSATION_PAGE, UNDO_DELETE_MS, conversationsStore } from './conversations.svelte';

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

describe('conversationsStore updates during a load', () => {
	it('keeps an update pushed while the first page is on its way, and a conversation made then', async () => {
		const loading = conversationsStore.load();
		conversationsStore.upsert({ ...summary, title: 'Renamed meanwhile' });
		conversationsStore.upsert({ ...summary, id: 'c2', title: 'Made meanwhile' });
		await loading;
		expect(conversationsStore.conversations.map((entry) => entry.title)).toEqual([
			'Made meanwhile',
			'Renamed meanwhile'
		]);
		await conversationsStore.load();
		expect(conversationsStore.conversations.map((entry) => entry.title)).toEqual(['Trip']);
	});
});

describe('conversationsStore pages', () => {
	const many = Array.from({ length: CONVERSATION_PAGE * 2 + 50 }, (_, index) => ({
		...summary,
		id: `c${index}`,
		title: `Chat ${index}`
	}));

	beforeEach(async () => {
		transport = fakeTransport({
			list_conversations: ({ offset = 0, limit }) =>
				many.slice(offset, limit == null ? undefined : offset + limit)
		});
		await useTransport(transport);
		await conversationsStore.load();
	});

	it('loads the first page, then the next ones on request, once at a time', async () => {
		expect(conversationsStore.conversations).toHaveLength(CONVERSATION_PAGE);
		expect(conversationsStore.hasMore).toBe(true);
		await Promise.all([conversationsStore.loadMore(), conversationsStore.loadMore()]);
		expect(conversationsStore.conversations).toHaveLength(CONVERSATION_PAGE * 2);
		await conversationsStore.loadMore();
		expect(conversationsStore.conversations.map((entry) => entry.id)).toEqual(
			many.map((entry) => entry.id)
		);
		expect(conversationsStore.hasMore).toBe(false);
		await conversationsStore.loadMore();
		const pages = transport.calls.filter(([name]) => name === 'list_conversations');
		expect(pages.map(([, params]) => params)).toEqual([
			{ offset: 0, limit: CONVERSATION_PAGE },
			{ offset: CONVERSATION_PAGE, limit: CONVERSATION_PAGE },
			{ offset: CONVERSATION_PAGE * 2, limit: CONVERSATION_PAGE }
		]);
	});

	it('skips a conversation a shifted page repeats', async () => {
		// Another window created one: the backend's pages move down by one.
		many.unshift({ ...summary, id: 'elsewhere', title: 'Made elsewhere' });
		await conversationsStore.loadMore();
		const ids = conversationsStore.conversations.map((entry) => entry.id);
		expect(ids).toHaveLength(CONVERSATION_PAGE * 2 - 1);
		expect(new Set(ids).size).toBe(ids.length);
		many.shift();
	});
});
