import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useTransport } from '$lib/services/ipc';
import { fakeTransport } from '$lib/testing/fake-transport';
import { ContextStore } from './context.svelte';

function usageOf(draft: string) {
	return {
		prompt_tokens: 100 + draft.length,
		draft_tokens: draft.length,
		n_ctx: 2048,
		max_tokens: null,
		drop_oldest_turns: false
	};
}

let timers: (() => void)[];
let store: ContextStore;
let transport: ReturnType<typeof fakeTransport>;

beforeEach(async () => {
	timers = [];
	transport = fakeTransport({
		get_context_usage: ({ draft }) => usageOf(draft ?? '')
	});
	await useTransport(transport);
	store = new ContextStore(
		(callback) => timers.push(callback),
		() => timers.splice(0)
	);
});

describe('ContextStore', () => {
	it('counts once typing pauses, only the latest draft', async () => {
		store.measure('c1', 'a');
		store.measure('c1', 'abc');
		expect(timers).toHaveLength(1);
		timers.splice(0).forEach((timer) => timer());
		await expect.poll(() => store.usage?.prompt_tokens).toBe(103);
		expect(transport.calls).toEqual([
			['get_context_usage', { conversation_id: 'c1', draft: 'abc' }]
		]);
		expect(store.level).toBe('ok');
	});

	it('drops an answer to an older count that comes after the newer one', async () => {
		const answers: ((draft: string) => void)[] = [];
		await useTransport({
			kind: 'mock',
			invoke: (_name, params) =>
				new Promise((resolve) => {
					answers.push((draft) =>
						resolve({
							ok: true,
							result: {
								...usageOf(draft),
								draft_tokens: (params as { draft: string }).draft.length
							}
						} as never)
					);
				}),
			listen: () => undefined
		});
		const older = store.count('c1', 'older draft');
		const newer = store.count('c1', 'x');
		await vi.waitFor(() => expect(answers).toHaveLength(2));
		answers[1]?.('x');
		await newer;
		answers[0]?.('older draft');
		await older;
		expect(store.usage?.draft_tokens).toBe(1);
	});
});
