import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BridgeEvents } from '$lib/services/events';
import { useTransport } from '$lib/services/ipc';
import { fakeTransport, message } from '$lib/testing/fake-transport';
import type { BridgeEvent, Message, ToolCallInfo } from '$lib/types';
import { ChatStore } from './chat.svelte';

const STREAM = { stream_id: 's1', conversation_id: 'c1' } as const;
/** A notice's server fields when it is not about a tool server. */
const NOT_ABOUT_A_SERVER = {
	server_id: null,
	server_name: null,
	reason: null,
	provider_id: null,
	provider_name: null
} as const;

function call(state: ToolCallInfo['state'], extra: Partial<ToolCallInfo> = {}): ToolCallInfo {
	return {
		id: 'call-1',
		name: 'read_file',
		arguments: '{"path":"notes.txt"}',
		server_id: 'files',
		server_name: 'files',
		tool: 'read_file',
		state,
		result: null,
		is_error: false,
		truncated_from: null,
		duration_ms: null,
		...extra
	};
}

function emit(event: BridgeEvent): void {
	BridgeEvents.dispatch(event);
}

function toolCall(state: ToolCallInfo['state'], extra: Partial<ToolCallInfo> = {}): void {
	emit({ type: 'tool_call', ...STREAM, message_id: 'a1', call: call(state, extra) });
}

let frames: (() => void)[];
let store: ChatStore;
let answered: ToolCallInfo;
/** Where the fake backend starts a regenerated answer. */
let regeneratedParent: string;
let transport: ReturnType<typeof fakeTransport>;
/** The messages the fake backend's get_conversation answers with. */
let stored: Message[];

const history = [
	message('u0', 'user', 'read my notes'),
	message('a0', 'assistant', '', { parent_id: 'u0', tool_calls: [call('done')] }),
	message('a0b', 'assistant', 'They say hello.', { parent_id: 'a0' })
];

beforeEach(async () => {
	frames = [];
	answered = call('running');
	regeneratedParent = 'u0';
	stored = history;
	transport = fakeTransport({
		get_conversation: ({ conversation_id }) => ({
			id: conversation_id,
			title: '',
			created_at: '',
			updated_at: '',
			message_count: 3,
			model: null,
			pinned: false,
			messages: stored,
			params: {},
			system_prompt: null,
			stream: null,
			provider_id: 'local',
			provider_model: null
		}),
		send_chat_message_stream: ({ content }) => ({
			...STREAM,
			user_message: message('u1', 'user', content, { parent_id: 'a0b' }),
			assistant_message: message('a1', 'assistant', '', { parent_id: 'u1', status: 'streaming' })
		}),
		regenerate_message: () => ({
			...STREAM,
			user_message: null,
			assistant_message: message('a9', 'assistant', '', {
				parent_id: regeneratedParent,
				status: 'streaming'
			})
		}),
		answer_tool_call: () => {
			if (answered.state === 'pending') throw new Error('No tool call waits.');
			return answered;
		},
		stop_generation: () => ({ stopped: true })
	});
	await useTransport(transport);
	store = new ChatStore((callback) => frames.push(callback));
	await store.open('c1');
});

afterEach(() => store.dispose());

function shown(id: string): Message | undefined {
	return store.messages.find((entry) => entry.id === id);
}

describe('ChatStore tool calls', () => {
	it('shows a call as it changes state, after the text that came before it', async () => {
		await store.send('again');
		emit({
			type: 'stream_chunk',
			...STREAM,
			message_id: 'a1',
			content: 'Let me look.',
			offset: 0,
			reasoning_offset: 0,
			reasoning: ''
		});
		toolCall('pending');
		expect(shown('a1')?.content).toBe('Let me look.');
		toolCall('awaiting_approval');
		expect(shown('a1')?.tool_calls?.map((entry) => entry.state)).toEqual(['awaiting_approval']);
		expect(store.isLoading).toBe(true);
	});

	it('shows a call whose event came before the answer starts, by reading the conversation', async () => {
		const asking = call('awaiting_approval');
		stored = [
			...history,
			message('u1', 'user', 'again', { parent_id: 'a0b' }),
			message('a1', 'assistant', '', { parent_id: 'u1', status: 'streaming', tool_calls: [asking] })
		];
		toolCall('awaiting_approval');
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(shown('a1')?.tool_calls?.map((entry) => entry.state)).toEqual(['awaiting_approval']);
	});

	it('is not "awaiting the first token" once the answer has made a call', async () => {
		await store.send('again');
		expect(store.awaitingFirstToken).toBe(true);
		toolCall('pending');
		expect(store.awaitingFirstToken).toBe(false);
	});

	it('answers a call and shows it in the state the backend answers', async () => {
		await store.send('again');
		toolCall('awaiting_approval');
		const answering = store.answerToolCall({
			message_id: 'a1',
			call_id: 'call-1',
			decision: 'deny',
			reason: 'not today'
		});
		expect(store.answering['call-1']).toBe(true);
		answered = call('denied', { result: 'denied: not today' });
		await answering;
		expect(store.answering['call-1']).toBeUndefined();
		expect(shown('a1')?.tool_calls?.[0]?.state).toBe('denied');
		expect(transport.calls.at(-1)).toEqual([
			'answer_tool_call',
			{ message_id: 'a1', call_id: 'call-1', decision: 'deny', reason: 'not today' }
		]);
	});

	it('keeps a result that arrived before the answer to "run once" did', async () => {
		await store.send('again');
		toolCall('awaiting_approval');
		const answering = store.answerToolCall({
			message_id: 'a1',
			call_id: 'call-1',
			decision: 'once',
			reason: null
		});
		toolCall('done', { result: 'Buy milk.' });
		await answering; // answers `running`, which is older
		expect(shown('a1')?.tool_calls?.[0]).toMatchObject({ state: 'done', result: 'Buy milk.' });
	});

	it('says why an answer was refused', async () => {
		await store.send('again');
		answered = call('pending');
		await store.answerToolCall({
			message_id: 'a1',
			call_id: 'gone',
			decision: 'once',
			reason: null
		});
		expect(store.error).toContain('No tool call waits.');
		expect(store.answering).toEqual({});
	});

	it('goes on in the next message after a round; the next chunks and the end land there', async () => {
		await store.send('again');
		toolCall('done', { result: 'Buy milk.' });
		const round = message('a1', 'assistant', '', {
			parent_id: 'u1',
			tool_calls: [call('done', { result: 'Buy milk.' })]
		});
		const next = message('a2', 'assistant', '', { parent_id: 'a1', status: 'streaming' });
		emit({ type: 'stream_round', ...STREAM, message: round, next_message: next });
		expect(store.messages.map((entry) => entry.id)).toEqual(['u0', 'a0', 'a0b', 'u1', 'a1', 'a2']);
		expect(store.activeStream?.messageId).toBe('a2');
		expect(store.awaitingFirstToken).toBe(true);
		emit({
			type: 'stream_chunk',
			...STREAM,
			message_id: 'a2',
			content: 'Milk.',
			reasoning: '',
			offset: 0,
			reasoning_offset: 0
		});
		frames.splice(0).forEach((frame) => frame());
		expect(shown('a2')?.content).toBe('Milk.');
		const final = message('a2', 'assistant', 'Milk.', { parent_id: 'a1' });
		emit({ type: 'stream_end', ...STREAM, message: final });
		expect(store.isLoading).toBe(false);
		expect(shown('a1')).toEqual(round);
	});

	it('ends consistent when Stop cancels a call that waits: cancelled call, cancelled message', async () => {
		await store.send('again');
		toolCall('awaiting_approval');
		await store.stop();
		toolCall('cancelled', { result: 'stopped' });
		const final = message('a1', 'assistant', '', {
			parent_id: 'u1',
			status: 'cancelled',
			tool_calls: [call('cancelled', { result: 'stopped' })]
		});
		emit({ type: 'stream_end', ...STREAM, message: final });
		expect(store.isLoading).toBe(false);
		expect(shown('a1')).toEqual(final);
	});

	it('keeps notices by message and forgets them with the conversation', async () => {
		await store.send('again');
		emit({
			type: 'stream_notice',
			...STREAM,
			message_id: 'a1',
			kind: 'tools_unsupported',
			text: 'No tools were sent.',
			...NOT_ABOUT_A_SERVER
		});
		emit({
			type: 'stream_notice',
			...STREAM,
			conversation_id: 'other',
			message_id: 'x',
			kind: 'tools_unsupported',
			text: 'elsewhere',
			...NOT_ABOUT_A_SERVER
		});
		expect(store.notices).toEqual({ a1: ['No tools were sent.'] });
		store.close();
		expect(store.notices).toEqual({});
	});

	it('shows a regenerated answer from where the backend starts it (its parent)', async () => {
		await store.regenerate('a0b');
		// A whole new answer to u0, although the last message of the chain was regenerated.
		expect(store.messages.map((entry) => entry.id)).toEqual(['u0', 'a9']);
	});

	it('regenerating the text after a tool round keeps the round', async () => {
		regeneratedParent = 'a0';
		await store.regenerate('a0b');
		expect(store.messages.map((entry) => entry.id)).toEqual(['u0', 'a0', 'a9']);
	});
});
