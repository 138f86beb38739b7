import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BridgeEvent, CommandName, CommandParams, CommandResult } from '$lib/types';
import { MockBackend } from './backend';

let events: BridgeEvent[];
let backend: MockBackend;

async function ok<K extends CommandName>(
	name: K,
	params: CommandParams<K>
): Promise<CommandResult<K>> {
	const envelope = await backend.invoke(name, params);
	if (!envelope.ok) throw new Error(`${name} failed: ${envelope.error.message}`);
	return envelope.result;
}

async function finishStreams(): Promise<void> {
	await vi.advanceTimersByTimeAsync(5000);
}

beforeEach(() => {
	vi.useFakeTimers();
	events = [];
	backend = new MockBackend({ emit: (event) => events.push(event), tokensPerSecond: 1000 });
});

afterEach(() => {
	vi.useRealTimers();
});

describe('MockBackend streaming', () => {
	it('streams deltas that add up to the final message', async () => {
		const { id } = await ok('create_conversation', {});
		const started = await ok('send_chat_message_stream', { conversation_id: id, content: 'hi' });
		await finishStreams();
		const chunks = events.filter((event) => event.type === 'stream_chunk');
		const end = events.find((event) => event.type === 'stream_end');
		expect(chunks.length).toBeGreaterThan(1);
		expect(end?.type === 'stream_end' && end.message.status).toBe('complete');
		const text = chunks
			.map((event) => (event.type === 'stream_chunk' ? event.content : ''))
			.join('');
		expect(end?.type === 'stream_end' && end.message.content).toBe(text);
		expect(started.assistant_message.status).toBe('streaming');
	});

	it('emits copies: changing what an event brought changes nothing the backend keeps', async () => {
		const { id } = await ok('create_conversation', {});
		await ok('update_conversation_settings', {
			conversation_id: id,
			options: { stop: [], token_probs: 2, reasoning_effort: null, reasoning_budget: null }
		});
		await ok('send_chat_message_stream', { conversation_id: id, content: 'hi' });
		await finishStreams();
		const end = events.find((event) => event.type === 'stream_end');
		if (end?.type !== 'stream_end') throw new Error('no stream_end');
		const { content, probs } = structuredClone(end.message);
		expect(probs?.length).toBeGreaterThan(0);
		end.message.content += ' (changed by the page)';
		end.message.probs?.push({ token: ' changed', prob: 1 });
		const stored = (await ok('get_conversation', { conversation_id: id })).messages?.at(-1);
		expect(stored?.content).toBe(content);
		expect(stored?.probs).toEqual(probs);
	});

	it('pushes chunks every behaviour.stream_flush_ms, like the real event pump', async () => {
		const chunksIn = async (ms: number): Promise<number> => {
			events.length = 0;
			const { id } = await ok('create_conversation', {});
			await ok('send_chat_message_stream', { conversation_id: id, content: '/long 5000' });
			await vi.advanceTimersByTimeAsync(ms);
			await ok('stop_generation', { conversation_id: id });
			return events.filter((event) => event.type === 'stream_chunk').length;
		};
		expect(await chunksIn(1000)).toBe(40); // the backend's default, 25 ms
		await ok('save_config', { config: { behaviour: { stream_flush_ms: 16 } } });
		expect(await chunksIn(1000)).toBe(62);
	});

	it('stop keeps the partial text and marks it cancelled', async () => {
		const { id } = await ok('create_conversation', {});
		await ok('send_chat_message_stream', { conversation_id: id, content: '/long 5000' });
		await vi.advanceTimersByTimeAsync(100);
		expect(await ok('stop_generation', { conversation_id: id })).toEqual({ stopped: true });
		const end = events.find((event) => event.type === 'stream_end');
		expect(end?.type === 'stream_end' && end.message.status).toBe('cancelled');
		expect(end?.type === 'stream_end' && end.message.content.length).toBeGreaterThan(0);
	});

	it('a scripted crash ends with stream_error and crashed → restarting → ready', async () => {
		const { id } = await ok('create_conversation', {});
		await ok('send_chat_message_stream', { conversation_id: id, content: '/crash' });
		await finishStreams();
		const error = events.find((event) => event.type === 'stream_error');
		expect(error?.type === 'stream_error' && error.error.code).toBe('server_unavailable');
		const states = events.flatMap((event) =>
			event.type === 'server_status' ? [event.status.state] : []
		);
		expect(states).toEqual(['crashed', 'restarting', 'ready']);
	});

	it('refuses to stream without a model', async () => {
		backend = new MockBackend({ emit: () => undefined, withModels: false });
		const { id } = await ok('create_conversation', {});
		const envelope = await backend.invoke('send_chat_message_stream', {
			conversation_id: id,
			content: 'x'
		});
		expect(envelope.ok).toBe(false);
		expect(!envelope.ok && envelope.error.code).toBe('server_unavailable');
	});
});

describe('MockBackend message tree', () => {
	it('regenerate adds a sibling and select_branch switches between them', async () => {
		const { id } = await ok('create_conversation', {});
		const first = await ok('send_chat_message_stream', { conversation_id: id, content: 'q' });
		await finishStreams();
		const second = await ok('regenerate_message', { message_id: first.assistant_message.id });
		await finishStreams();
		expect(second.assistant_message.sibling_ids).toEqual([
			first.assistant_message.id,
			second.assistant_message.id
		]);
		let conversation = await ok('get_conversation', { conversation_id: id });
		expect((conversation.messages ?? []).at(-1)?.id).toBe(second.assistant_message.id);
		conversation = await ok('select_branch', { message_id: first.assistant_message.id });
		expect((conversation.messages ?? []).map((message) => message.id)).toEqual([
			first.user_message?.id,
			first.assistant_message.id
		]);
	});

	it('edit creates a sibling user message with its own answer', async () => {
		const { id } = await ok('create_conversation', {});
		const first = await ok('send_chat_message_stream', { conversation_id: id, content: 'one' });
		await finishStreams();
		const edited = await ok('edit_message', {
			message_id: first.user_message?.id ?? '',
			content: 'two'
		});
		await finishStreams();
		expect(edited.user_message?.sibling_ids).toHaveLength(2);
		const conversation = await ok('get_conversation', { conversation_id: id });
		expect((conversation.messages ?? []).map((message) => message.content.slice(0, 3))).toEqual([
			'two',
			'Her'
		]);
	});

	it('delete_message removes the subtree and falls back to a sibling', async () => {
		const { id } = await ok('create_conversation', {});
		const first = await ok('send_chat_message_stream', { conversation_id: id, content: 'q' });
		await finishStreams();
		const conversation = await ok('delete_message', { message_id: first.user_message?.id ?? '' });
		expect(conversation.messages).toEqual([]);
	});

	it('reports unknown ids as not_found', async () => {
		const envelope = await backend.invoke('get_conversation', { conversation_id: 'nope' });
		expect(!envelope.ok && envelope.error.code).toBe('not_found');
	});
});

describe('MockBackend conversations', () => {
	it('names a new chat from its first message and tells the page', async () => {
		const { id } = await ok('create_conversation', {});
		await ok('send_chat_message_stream', { conversation_id: id, content: 'Plan a trip' });
		await finishStreams();
		const updated = events.find((event) => event.type === 'conversation_updated');
		expect(updated?.type === 'conversation_updated' && updated.conversation.title).toBe(
			'Plan a trip'
		);
	});

	it('search returns snippets with FTS-style markers', async () => {
		const { id } = await ok('create_conversation', {});
		await ok('send_chat_message_stream', { conversation_id: id, content: 'about pelicans' });
		await finishStreams();
		const hits = await ok('search_conversations', { query: 'pelican' });
		expect(hits.some((hit) => hit.snippet.includes('**pelican**'))).toBe(true);
	});

	it('export then import recreates the conversations', async () => {
		const { id } = await ok('create_conversation', { title: 'Trip' });
		await ok('send_chat_message_stream', { conversation_id: id, content: 'hello' });
		await finishStreams();
		const exported = await ok('export_conversations', { conversation_ids: null, format: 'json' });
		const imported = await ok('import_conversations', { data: exported.content });
		expect(imported.conversation_ids).toHaveLength(1);
		const copy = await ok('get_conversation', {
			conversation_id: imported.conversation_ids[0] ?? ''
		});
		expect(copy.title).toBe('Trip');
		expect(copy.messages).toHaveLength(2);
		const bad = await backend.invoke('import_conversations', { data: 'not json' });
		expect(!bad.ok && bad.error.code).toBe('import_invalid');
	});

	it('pin and rename update the summary', async () => {
		const { id } = await ok('create_conversation', {});
		expect((await ok('pin_conversation', { conversation_id: id, pinned: true })).pinned).toBe(true);
		expect((await ok('rename_conversation', { conversation_id: id, title: 'X' })).title).toBe('X');
	});
});

describe('MockBackend config', () => {
	it('rejects invalid and locked fields with field errors, saving nothing', async () => {
		const envelope = await backend.invoke('save_config', {
			config: { generation: { temperature: 9, top_p: 0.5 }, engine: { port: 9000 } }
		});
		expect(envelope.ok).toBe(false);
		expect(!envelope.ok && envelope.error.code).toBe('config_invalid');
		// The backend's order: locked fields before invalid values.
		expect(!envelope.ok && envelope.error.fields?.map((field) => field.field)).toEqual([
			'engine.port',
			'generation.temperature'
		]);
		const view = await ok('get_config', {});
		expect((view.values.generation as Record<string, unknown>).top_p).toBeNull();
	});

	it("gives the server's sampling defaults only while it is ready", async () => {
		expect(await ok('get_server_defaults', {})).toMatchObject({ temperature: 0.8, seed: -1 });
		await ok('stop_server', {});
		expect(await ok('get_server_defaults', {})).toBeNull();
	});

	it('reports changed fields and whether a restart is needed', async () => {
		const light = await ok('save_config', { config: { appearance: { theme: 'dark' } } });
		expect(light).toMatchObject({ changed: ['appearance.theme'], restart_required: false });
		const heavy = await ok('save_config', { config: { engine: { context_size: 8192 } } });
		expect(heavy).toMatchObject({ changed: ['engine.context_size'], restart_required: true });
	});
});

describe('MockBackend coverage', () => {
	it('answers a command it does not implement with a clear error', async () => {
		const envelope = await backend.invoke('start_server' as never, {} as never);
		expect(envelope.ok).toBe(true);
		const missing = await backend.invoke('no_such_command' as never, {} as never);
		expect(!missing.ok && missing.error.message).toContain('does not implement no_such_command');
	});
});
