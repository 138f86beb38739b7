import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type {
	BridgeEvent,
	BridgeEventOf,
	CommandName,
	CommandParams,
	CommandResult,
	ToolCallInfo
} from '$lib/types';
import { MockBackend } from './backend';

let events: BridgeEvent[];
let backend: MockBackend;
let conversation: string;

async function ok<K extends CommandName>(
	name: K,
	params: CommandParams<K>
): Promise<CommandResult<K>> {
	const envelope = await backend.invoke(name, params);
	if (!envelope.ok) throw new Error(`${name} failed: ${envelope.error.message}`);
	return envelope.result;
}

function callEvents(): BridgeEventOf<'tool_call'>[] {
	return events.filter((event): event is BridgeEventOf<'tool_call'> => event.type === 'tool_call');
}

function states(): ToolCallInfo['state'][] {
	return callEvents().map((event) => event.call.state);
}

function lastEnd(): BridgeEventOf<'stream_end'> | undefined {
	return events.findLast(
		(event): event is BridgeEventOf<'stream_end'> => event.type === 'stream_end'
	);
}

/** Send a prompt and let the model's text and its first call come out. */
async function ask(prompt: string): Promise<BridgeEventOf<'tool_call'> | undefined> {
	events.length = 0;
	await ok('send_chat_message_stream', { conversation_id: conversation, content: prompt });
	await vi.advanceTimersByTimeAsync(1000);
	return callEvents().at(-1);
}

beforeEach(async () => {
	vi.useFakeTimers();
	events = [];
	backend = new MockBackend({
		emit: (event) => events.push(event),
		tokensPerSecond: 1000,
		toolStartMs: 10,
		toolCallMs: 200,
		demoToolServer: true
	});
	await vi.advanceTimersByTimeAsync(20);
	conversation = (await ok('create_conversation', {})).id;
});

afterEach(() => {
	vi.useRealTimers();
});

describe('MockBackend tool rounds', () => {
	it('asks, runs once, then goes on in the next message with the result', async () => {
		const asked = await ask('/tool');
		expect(states()).toEqual(['pending', 'awaiting_approval']);
		expect(asked?.call).toMatchObject({ tool: 'read_file', server_name: 'files' });
		const answer = await ok('answer_tool_call', {
			message_id: asked?.message_id ?? '',
			call_id: asked?.call.id ?? '',
			decision: 'once'
		});
		expect(answer.state).toBe('running');
		await vi.advanceTimersByTimeAsync(2000);
		expect(states()).toEqual(['pending', 'awaiting_approval', 'running', 'done']);
		const round = events.find((event) => event.type === 'stream_round');
		expect(round?.type === 'stream_round' && round.message.tool_calls?.[0]?.result).toContain(
			'Buy milk.'
		);
		expect(round?.type === 'stream_round' && round.next_message.parent_id).toBe(asked?.message_id);
		expect(lastEnd()?.message).toMatchObject({ status: 'complete' });
		expect(lastEnd()?.message.content).toContain('buy milk');
		const shown = await ok('get_conversation', { conversation_id: conversation });
		expect(shown.messages?.map((message) => message.role)).toEqual([
			'user',
			'assistant',
			'assistant'
		]);
	});

	it('a denied call goes back to the model with the reason, and the model says so', async () => {
		const asked = await ask('/tool');
		const denied = await ok('answer_tool_call', {
			message_id: asked?.message_id ?? '',
			call_id: asked?.call.id ?? '',
			decision: 'deny',
			reason: 'private'
		});
		expect(denied).toMatchObject({
			state: 'denied',
			is_error: true,
			result: 'Not run: the user denied this call. Their reason: private'
		});
		await vi.advanceTimersByTimeAsync(2000);
		expect(lastEnd()?.message.content).toContain('could not read');
	});

	it('"always for this tool" stores the rule: the next call runs without asking', async () => {
		const asked = await ask('/tool');
		await ok('answer_tool_call', {
			message_id: asked?.message_id ?? '',
			call_id: asked?.call.id ?? '',
			decision: 'always_tool'
		});
		expect((await ok('list_tool_servers', {})).servers[0]?.tool_rules).toEqual({
			read_file: 'allow'
		});
		await vi.advanceTimersByTimeAsync(2000);
		await ask('/tool');
		expect(states()).toEqual(['pending', 'running', 'done']);
	});

	it('"always for this server" allows its other tools too', async () => {
		const asked = await ask('/tool');
		await ok('answer_tool_call', {
			message_id: asked?.message_id ?? '',
			call_id: asked?.call.id ?? '',
			decision: 'always_server'
		});
		await vi.advanceTimersByTimeAsync(2000);
		await ask('/tools');
		// One after the other: the second stays pending while the first runs.
		expect(states()).toEqual(['pending', 'pending', 'running', 'done', 'running', 'done']);
	});

	it('Stop while a call waits or runs cancels it and ends the answer cancelled', async () => {
		const asked = await ask('/tool slow');
		await ok('answer_tool_call', {
			message_id: asked?.message_id ?? '',
			call_id: asked?.call.id ?? '',
			decision: 'once'
		});
		expect(await ok('stop_generation', { conversation_id: conversation })).toEqual({
			stopped: true
		});
		expect(callEvents().at(-1)?.call).toMatchObject({
			state: 'cancelled',
			result: 'Not run: the answer was stopped.'
		});
		expect(lastEnd()?.message).toMatchObject({ status: 'cancelled' });
		expect(lastEnd()?.message.tool_calls?.[0]?.state).toBe('cancelled');
		await vi.advanceTimersByTimeAsync(70_000);
		expect(events.some((event) => event.type === 'stream_round')).toBe(false);
		const again = await backend.invoke('answer_tool_call', {
			message_id: asked?.message_id ?? '',
			call_id: asked?.call.id ?? '',
			decision: 'once'
		});
		expect(again.ok === false && again.error.code).toBe('not_found');
	});

	it('a result over tools.result_max_chars is cut and says how long it was', async () => {
		await ok('save_config', { config: { tools: { result_max_chars: 1000 } } });
		const asked = await ask('/tool big');
		await ok('answer_tool_call', {
			message_id: asked?.message_id ?? '',
			call_id: asked?.call.id ?? '',
			decision: 'once'
		});
		await vi.advanceTimersByTimeAsync(2000);
		const done = callEvents().find((event) => event.call.state === 'done')?.call;
		expect(done?.truncated_from).toBe(110_000);
		expect(
			done?.result?.endsWith(
				'\n[truncated: the result was 110,000 characters; only the first 1,000 are shown]'
			)
		).toBe(true);
	});

	it('of two calls, the second is asked only after the first has ended', async () => {
		const asked = await ask('/tools');
		expect(states()).toEqual(['pending', 'pending', 'awaiting_approval']);
		await ok('answer_tool_call', {
			message_id: asked?.message_id ?? '',
			call_id: asked?.call.id ?? '',
			decision: 'deny'
		});
		expect(callEvents().at(-1)?.call).toMatchObject({ name: 'search', state: 'awaiting_approval' });
	});

	it('with no server ready no tool is offered: the call is invalid at once and never asks', async () => {
		const [server] = (await ok('list_tool_servers', {})).servers;
		await ok('set_tool_server_enabled', { server_id: server?.id ?? '', enabled: false });
		const invalid = await ask('/tool');
		expect(states()).toEqual(['invalid']);
		expect(invalid?.call.result).toBe(
			'Error: no tools were offered for this request. The call was not run.'
		);
		await vi.advanceTimersByTimeAsync(2000);
		expect(lastEnd()?.message.status).toBe('complete');
	});

	it('a model whose template takes no tools: a notice, nothing offered, the answer ends after the call', async () => {
		const selecting = ok('select_model', { model_id: 'smollm2-360m-instruct-q8' });
		await vi.advanceTimersByTimeAsync(2000);
		await selecting;
		const invalid = await ask('/tool');
		const notice = events.find((event) => event.type === 'stream_notice');
		expect(notice?.type === 'stream_notice' && notice.kind).toBe('tools_unsupported');
		expect(invalid?.call.result).toBe(
			'Error: no tools were offered for this request. The call was not run.'
		);
		expect(events.some((event) => event.type === 'stream_round')).toBe(false);
		expect(lastEnd()?.message).toMatchObject({ status: 'complete', id: invalid?.message_id });
	});

	it('a tool its rule denies is not offered, so a call to it is invalid', async () => {
		const [server] = (await ok('list_tool_servers', {})).servers;
		await ok('set_tool_rule', { server_id: server?.id ?? '', tool: 'read_file', rule: 'deny' });
		const invalid = await ask('/tool');
		expect(invalid?.call).toMatchObject({
			state: 'invalid',
			server_id: null,
			result: "Error: there is no tool named 'read_file' (tools: search). The call was not run."
		});
	});
});
