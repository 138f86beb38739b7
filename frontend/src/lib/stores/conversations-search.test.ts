import { describe, expect, it } from 'vitest';
import { useTransport } from '$lib/services/ipc';
import type { CommandName, Envelope, SearchHit, Transport } from '$lib/types';
import { conversationsStore } from './conversations.svelte';

const HIT: SearchHit = {
	conversation_id: 'c1',
	message_id: null,
	title: 'Pelicans',
	snippet: '**Pelicans**',
	rank: 1
};

/** Answers each search when the test says so, by query. */
function heldSearches(): {
	transport: Transport;
	answer: (query: string, hits: SearchHit[]) => void;
} {
	const waiting = new Map<string, (hits: SearchHit[]) => void>();
	const transport: Transport = {
		kind: 'mock',
		async invoke(name: CommandName, params: unknown) {
			if (name !== 'search_conversations') throw new Error(`unexpected ${name}`);
			const { query } = params as { query: string };
			const hits = await new Promise<SearchHit[]>((resolve) => waiting.set(query, resolve));
			return { ok: true, result: hits } as Envelope<never>;
		},
		listen: () => undefined
	};
	const answer = (query: string, hits: SearchHit[]): void => waiting.get(query)?.(hits);
	return { transport, answer };
}

async function settled(): Promise<void> {
	await new Promise((resolve) => setTimeout(resolve, 0));
}

describe('conversationsStore.search', () => {
	it('is searching until the answer to the query typed last arrives', async () => {
		const { transport, answer } = heldSearches();
		await useTransport(transport);
		const first = conversationsStore.search('pel');
		const second = conversationsStore.search('pelican');
		await settled();
		expect(conversationsStore.searching).toBe(true);
		answer('pel', []);
		await first;
		// An older query's answer is dropped: still searching, and no "no results".
		expect(conversationsStore.searching).toBe(true);
		expect(conversationsStore.searchHits).toEqual([]);
		answer('pelican', [HIT]);
		await second;
		expect(conversationsStore.searching).toBe(false);
		expect(conversationsStore.searchHits).toEqual([HIT]);
	});

	it('is not searching once the query is cleared', async () => {
		await conversationsStore.search('  ');
		expect(conversationsStore.searching).toBe(false);
		expect(conversationsStore.searchHits).toEqual([]);
	});
});
