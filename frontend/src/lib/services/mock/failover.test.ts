import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BridgeEvent } from '$lib/types';
import { MockBackend } from './backend';

async function invoke(backend: MockBackend, name: string, params: object = {}) {
	const envelope = await backend.invoke(name as never, params as never);
	if (!envelope.ok) throw Object.assign(new Error(envelope.error.message), envelope.error);
	return envelope.result as Record<string, unknown>;
}

function setup() {
	const events: BridgeEvent[] = [];
	const backend = new MockBackend({
		emit: (event) => events.push(event),
		tokensPerSecond: 1000,
		tickMs: 5,
		failoverHealMs: 1000
	});
	return { backend, events };
}

async function asked(backend: MockBackend, events: BridgeEvent[], prompt: string) {
	const { id } = await invoke(backend, 'create_conversation', {});
	await invoke(backend, 'send_chat_message_stream', { conversation_id: id, content: prompt });
	await vi.waitFor(() => expect(events.some((e) => e.type === 'failover_question')).toBe(true));
	const event = events.find((e) => e.type === 'failover_question');
	if (event?.type !== 'failover_question') throw new Error('no question');
	return event.question;
}

function ended(events: BridgeEvent[]) {
	return events.find((e) => e.type === 'stream_end' || e.type === 'stream_error');
}

beforeEach(() => vi.useFakeTimers({ shouldAdvanceTime: true }));
afterEach(() => vi.useRealTimers());

describe('the mock ask policy', () => {
	it('continues on the stand-in like automatic, with a fall-back that ends when the local model is back', async () => {
		const { backend, events } = setup();
		const question = await asked(backend, events, '/failover');
		expect(question).toMatchObject({ cut: true, to_provider_name: 'Desktop' });
		const live = await invoke(backend, 'get_conversation', {
			conversation_id: question.conversation_id
		});
		expect((live.stream as { question: unknown }).question).toEqual(question);
		expect(
			await invoke(backend, 'answer_failover', { question_id: question.id, choice: 'continue' })
		).toEqual({
			question_id: question.id,
			choice: 'continue'
		});
		await vi.waitFor(() => expect(ended(events)?.type).toBe('stream_end'));
		const end = ended(events);
		if (end?.type !== 'stream_end') throw new Error('no end');
		expect(end.message.content).toBe('The local model began this answer and Desktop finished it.');
		expect(end.message).toMatchObject({ provider_id: 'p-desktop', model: 'Qwen2.5-7B-Instruct' });
		expect(end.message.failover).toContain('Desktop finished it from where it stopped');
		expect((await invoke(backend, 'list_providers')).fallbacks).toHaveLength(1);
		vi.advanceTimersByTime(1000);
		expect((await invoke(backend, 'list_providers')).fallbacks).toEqual([]);
		const changes = events.filter((e) => e.type === 'providers_changed');
		expect(
			changes.map((e) => e.type === 'providers_changed' && e.providers.fallbacks?.length)
		).toEqual([1, 0]);
	});

	it('cancel ends as off does; answering again is expired, an unknown question not found', async () => {
		const { backend, events } = setup();
		const question = await asked(backend, events, '/failover');
		await invoke(backend, 'answer_failover', { question_id: question.id, choice: 'cancel' });
		await vi.waitFor(() => expect(ended(events)?.type).toBe('stream_error'));
		await expect(
			invoke(backend, 'answer_failover', { question_id: question.id, choice: 'continue' })
		).rejects.toMatchObject({
			code: 'conflict',
			message: 'This question has expired: it was answered (cancel).'
		});
		await expect(
			invoke(backend, 'answer_failover', { question_id: 'q-none', choice: 'continue' })
		).rejects.toMatchObject({ code: 'not_found' });
	});

	it('wait lets the local model answer when asked before its first word; Stop expires a question', async () => {
		const { backend, events } = setup();
		const early = await asked(backend, events, '/failover early');
		expect(early.cut).toBe(false);
		await invoke(backend, 'answer_failover', { question_id: early.id, choice: 'wait' });
		await vi.waitFor(() => expect(ended(events)?.type).toBe('stream_end'));
		const end = ended(events);
		expect(end?.type === 'stream_end' && end.message).toMatchObject({
			content: 'Paris is the capital of France.',
			provider_id: 'local'
		});
		events.length = 0;
		const question = await asked(backend, events, '/failover');
		await invoke(backend, 'stop_generation', { conversation_id: question.conversation_id });
		expect(ended(events)?.type).toBe('stream_end');
		await expect(
			invoke(backend, 'answer_failover', { question_id: question.id, choice: 'continue' })
		).rejects.toMatchObject({ message: 'This question has expired: its answer has ended.' });
	});
});
