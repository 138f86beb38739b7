import { join, resolve } from 'node:path';
import type { BridgeEventOf, StreamStarted, ToolCallInfo, ToolServerSpec } from '$lib/types';
import type { ScenarioBackend } from './backends';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');

/** The real MCP test server over stdio (the mock stands in for it: `mock/mock-tools.ts`). */
const TEST_SERVER: ToolServerSpec = {
	name: 'test-tools',
	transport: 'stdio',
	command: join(ROOT, '.venv', 'bin', 'python'),
	args: [join(ROOT, 'tests', 'tools', 'mcp_server.py'), 'stdio'],
	cwd: null,
	env: {},
	url: null,
	headers: {},
	enabled: true
};

/** What a tool-round step needs of the scenario run. */
export interface ScenarioSteps {
	call: ScenarioBackend['call'];
	record: (step: 'tool round' | 'tool answers', outcome: unknown) => void;
}

type ToolCallEvent = BridgeEventOf<'tool_call'>;

/**
 * Answers that call tools, with the real test server and the scenario fake's `[[tool:...]]`
 * markers (the mock ports both): asked and run once, denied with a reason, allowed for good,
 * an unknown tool, and Stop while a call runs. Each records the calls' states as the page hears
 * them, the round's messages and the conversation after it.
 */
export class ToolRoundSteps {
	private conversation = '';

	constructor(
		private readonly run: ScenarioSteps,
		private readonly backend: ScenarioBackend
	) {}

	private async ok<T>(envelope: Promise<{ ok: true; result: T } | { ok: false }>): Promise<T> {
		const answer = await envelope;
		if (!answer.ok) throw new Error(`${this.backend.name}: ${JSON.stringify(answer)}`);
		return answer.result;
	}

	private calls(started: StreamStarted): ToolCallInfo[] {
		return this.backend.events
			.filter(
				(event): event is ToolCallEvent =>
					event.type === 'tool_call' && event.stream_id === started.stream_id
			)
			.map((event) => event.call);
	}

	private waiting(started: StreamStarted): Promise<ToolCallEvent> {
		return this.backend.event(
			(event) =>
				event.type === 'tool_call' &&
				event.stream_id === started.stream_id &&
				['awaiting_approval', 'running'].includes(event.call.state),
			`a call of stream ${started.stream_id} waiting or running`
		) as Promise<ToolCallEvent>;
	}

	private end(started: StreamStarted) {
		return this.backend.event(
			(event) =>
				(event.type === 'stream_end' || event.type === 'stream_error') &&
				event.stream_id === started.stream_id,
			`the end of stream ${started.stream_id}`
		);
	}

	private send(content: string): Promise<StreamStarted> {
		return this.ok(
			this.run.call('send_chat_message_stream', { conversation_id: this.conversation, content })
		);
	}

	/** Send, answer the first call that waits with `decision`, and wait for the end. */
	private async answered(content: string, decision: 'once' | 'always_tool' | 'deny') {
		const started = await this.send(content);
		const waiting = await this.waiting(started);
		const answer = await this.run.call('answer_tool_call', {
			message_id: waiting.message_id,
			call_id: waiting.call.id,
			decision,
			reason: decision === 'deny' ? '  not now  ' : null
		});
		const end = await this.end(started);
		return { started, answer, end, calls: this.calls(started) };
	}

	async record(): Promise<void> {
		const added = await this.ok(this.run.call('add_tool_server', { server: TEST_SERVER }));
		await this.backend.event(
			(event) =>
				event.type === 'tool_servers_changed' &&
				event.servers.servers.some((entry) => entry.id === added.id && entry.state === 'ready'),
			'the test server ready'
		);
		this.conversation = (await this.ok(this.run.call('create_conversation', {}))).id;
		const once = await this.answered('Add [[tool:add {"a": 2, "b": 3}]]', 'once');
		const round = this.backend.events.find(
			(event) => event.type === 'stream_round' && event.stream_id === once.started.stream_id
		);
		const messageId = once.started.assistant_message.id;
		const callId = once.calls[0]?.id ?? '';
		const again = await this.run.call('answer_tool_call', {
			message_id: messageId,
			call_id: callId,
			decision: 'once'
		});
		this.run.record('tool round', {
			...once,
			round,
			// The error names the ids, which each backend chooses.
			again: again.ok
				? again
				: {
						...again.error,
						message: again.error.message.replace(callId, '<call>').replace(messageId, '<message>')
					},
			conversation: await this.run.call('get_conversation', {
				conversation_id: this.conversation
			})
		});
		const denied = await this.answered('[[tool:echo_env {"name": "HOME"}]]', 'deny');
		const always = await this.answered('[[tool:noop]]', 'always_tool');
		const allowed = await this.send('again [[tool:noop]] [[tool:nope {}]]');
		const allowedEnd = await this.end(allowed);
		const slow = await this.send('[[tool:sleep {"seconds": 30}]]');
		const asked = await this.waiting(slow);
		await this.run.call('answer_tool_call', {
			message_id: asked.message_id,
			call_id: asked.call.id,
			decision: 'once'
		});
		const stopped = await this.run.call('stop_generation', { conversation_id: this.conversation });
		this.run.record('tool answers', {
			denied,
			always,
			rules: (await this.ok(this.run.call('list_tool_servers', {}))).servers.map((entry) => ({
				rule: entry.rule,
				tool_rules: entry.tool_rules
			})),
			allowed: { calls: this.calls(allowed), end: await allowedEnd },
			stop: { stopped, end: await this.end(slow), calls: this.calls(slow) },
			removed: await this.run.call('remove_tool_server', { server_id: added.id }),
			deleted: await this.run.call('delete_conversation', { conversation_id: this.conversation })
		});
	}
}
