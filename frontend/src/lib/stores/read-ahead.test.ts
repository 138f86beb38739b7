import { beforeEach, describe, expect, it } from 'vitest';
import { useTransport } from '$lib/services/ipc';
import { fakeTransport } from '$lib/testing/fake-transport';
import { READ_AHEAD_DEBOUNCE_MS, ReadAheadStore, beforeLastWord } from './read-ahead';

let timers: { callback: () => void; ms: number }[];
let store: ReadAheadStore;
let transport: ReturnType<typeof fakeTransport>;

function typeOut(conversationId: string | null, text: string, idle = true): void {
	for (let end = 1; end <= text.length; end++)
		store.typed(conversationId, text.slice(0, end), idle);
}

function pause(): void {
	timers.splice(0).forEach((timer) => timer.callback());
}

beforeEach(async () => {
	timers = [];
	transport = fakeTransport({ read_ahead_draft: () => ({ tokens: 3 }) });
	await useTransport(transport);
	store = new ReadAheadStore(
		(callback, ms) => timers.push({ callback, ms }),
		() => timers.splice(0)
	);
});

describe('beforeLastWord', () => {
	it('drops the last word, finished or not, and the spaces around it', () => {
		expect(beforeLastWord('What bloomed in the')).toBe('What bloomed in');
		expect(beforeLastWord('What bloomed in the ')).toBe('What bloomed in');
		expect(beforeLastWord('What')).toBe('');
		expect(beforeLastWord('')).toBe('');
	});
});

describe('ReadAheadStore', () => {
	it('sends the draft once typing pauses, only the latest one', async () => {
		typeOut('c1', 'What bloomed in the');
		expect(timers).toHaveLength(1);
		expect(timers[0]?.ms).toBe(READ_AHEAD_DEBOUNCE_MS);
		pause();
		await expect.poll(() => transport.calls.length).toBe(1);
		expect(transport.calls).toEqual([
			['read_ahead_draft', { conversation_id: 'c1', text: 'What bloomed in the' }]
		]);
	});

	it('sends again only when whole words were added', async () => {
		typeOut('c1', 'What bloomed');
		pause();
		store.typed('c1', 'What bloomedd', true); // the last word grows: nothing new to read
		store.typed('c1', 'What bloomed', true);
		store.typed('c1', 'What', true); // fewer words: the slot holds them already
		expect(timers).toHaveLength(0);
		typeOut('c1', 'What bloomed in');
		pause();
		await expect.poll(() => transport.calls.length).toBe(2);
		expect(transport.calls[1]).toEqual([
			'read_ahead_draft',
			{ conversation_id: 'c1', text: 'What bloomed in' }
		]);
	});

	it('sends nothing while the conversation answers, nor in a new chat', () => {
		typeOut('c1', 'What bloomed in the', false);
		typeOut(null, 'What bloomed in the');
		expect(timers).toHaveLength(0);
		expect(transport.calls).toEqual([]);
	});

	it('starts again in another conversation and after a send empties the box', async () => {
		typeOut('c1', 'What bloomed');
		pause();
		typeOut('c2', 'What bloomed');
		pause();
		store.typed('c2', '', true);
		typeOut('c2', 'What bloomed');
		pause();
		await expect.poll(() => transport.calls.length).toBe(3);
		expect(transport.calls.map(([, params]) => params)).toEqual([
			{ conversation_id: 'c1', text: 'What bloomed' },
			{ conversation_id: 'c2', text: 'What bloomed' },
			{ conversation_id: 'c2', text: 'What bloomed' }
		]);
	});

	it('ignores a failed read ahead', async () => {
		const failing = fakeTransport({});
		await useTransport(failing);
		typeOut('c1', 'What bloomed in');
		pause();
		await expect.poll(() => failing.calls.length).toBe(1);
		typeOut('c1', 'What bloomed in the valley');
		expect(timers).toHaveLength(1);
	});
});
