import type { AnswerToolCallParams, BridgeEvent, Message, ToolCallInfo } from '$lib/types';
import type { LiveAnswer } from './tool-rounds';
import { MockFailure } from './errors';
import type { MockToolOutcome } from './mock-tools';
import type { ScriptedCall } from './replies';
import type { MockTools, OfferedTool } from './tools';

const FINAL: ReadonlySet<ToolCallInfo['state']> = new Set([
	'done',
	'failed',
	'denied',
	'invalid',
	'cancelled'
]);

/**
 * The texts the model gets back when a call did not run or was cut, as the backend words them:
 * `_denied`, `_RULE_DENIES`, `_STOPPED`, `_NOT_OFFERED` in `backend/chat/_tool_round.py`,
 * `_invalid` in `backend/chat/_tool_offer.py`, the note of `outcome_of` in `backend/tools/_results.py`.
 */
export const TOOL_RESULT_TEXT = {
	denied: (reason: string | null) =>
		'Not run: the user denied this call.' +
		(reason?.trim() ? ` Their reason: ${reason.trim()}` : ''),
	deniedByRule: 'Not run: a rule in Settings → Tools denies this tool.',
	stopped: 'Not run: the answer was stopped.',
	notOffered: 'Error: no tools were offered for this request. The call was not run.',
	unknown: (name: string, offered: string[]) =>
		`Error: there is no tool named '${name}' (tools: ${offered.join(', ') || 'none'}). The call was not run.`,
	truncated: (full: number, limit: number) =>
		`\n[truncated: the result was ${full.toLocaleString('en')} characters; only the first ${limit.toLocaleString('en')} are shown]`
} as const;

export interface ToolRoundHooks {
	emit: (event: BridgeEvent) => void;
	tools: MockTools;
	/** Store the message's new state and return the stored message. */
	update: (patch: Partial<Message>) => Message;
	/** Every call has ended: go on with the next message (with whether any call ran). */
	next: (message: Message, anyRan: boolean) => void;
	/** Stop ended the answer here. */
	ended: (message: Message) => void;
	/** How long a normal call runs. */
	callMs: number;
	/** `tools.result_max_chars`: longer results are cut. */
	resultMaxChars: () => number;
	/** Whether the loaded model's chat template takes tools (else none were offered). */
	templateTakesTools: () => boolean;
}

/**
 * One round of the mock model's tool calls, one after the other like the backend's: each is
 * checked against the servers' rules, waits for the user's answer if it must ask, runs for a
 * while and ends with a result (the next ones stay `pending` meanwhile); then the answer goes
 * on. Stop cancels what waits or runs and ends the answer.
 */
export class MockToolRound {
	private calls: ToolCallInfo[] = [];
	private timers = new Map<string, ReturnType<typeof setTimeout>>();
	private started = new Map<string, number>();
	private over = false;
	/** Whether the answer offered any tools: if not, it ends after this round. */
	private offered = false;

	constructor(
		readonly streamId: string,
		private readonly message: Message,
		private readonly scripted: ScriptedCall[],
		private readonly hooks: ToolRoundHooks
	) {}

	get active(): boolean {
		return !this.over;
	}

	/** While its calls are settled the answer is still under way, with the round's text. */
	live(): LiveAnswer {
		const { content, reasoning, id, probs } = this.message;
		return {
			stream: { stream_id: this.streamId, message_id: id, progress: null, question: null },
			content,
			reasoning,
			probs: probs ?? null
		};
	}

	/** Every call is told at once (pending, or invalid), then they are settled in order. */
	start(): void {
		const offer = this.hooks.templateTakesTools() ? this.hooks.tools.offer() : new Map();
		this.offered = offer.size > 0;
		this.calls = this.scripted.map((scripted, index) => this.resolve(scripted, index, offer));
		this.hooks.update({ tool_calls: this.calls });
		for (const call of this.calls) this.tell(call);
		this.proceed();
	}

	/** Port of `ToolOffer.resolve` (the mock's arguments always fit). */
	private resolve(
		scripted: ScriptedCall,
		index: number,
		offer: Map<string, OfferedTool>
	): ToolCallInfo {
		const found = offer.get(scripted.name);
		const call: ToolCallInfo = {
			id: `call-${this.message.id}-${index}`,
			name: scripted.name,
			arguments: scripted.arguments,
			server_id: found?.serverId ?? null,
			server_name: found?.serverName ?? null,
			tool: found?.tool ?? null,
			state: 'pending',
			result: null,
			is_error: false,
			truncated_from: null,
			duration_ms: null
		};
		if (found) return call;
		const text =
			offer.size === 0
				? TOOL_RESULT_TEXT.notOffered
				: TOOL_RESULT_TEXT.unknown(scripted.name, [...offer.keys()]);
		return { ...call, ...ended('invalid', text) };
	}

	/** Take the next call that is still pending, or end the round when none is. */
	private proceed(): void {
		const call = this.calls.find((entry) => entry.state === 'pending');
		if (!call?.server_id || !call.tool) return this.settle();
		// The rule is read now: an "always" given to an earlier call of the round applies.
		const rule = this.hooks.tools.ruleFor(call.server_id, call.tool);
		if (rule === 'deny') {
			this.change(call.id, ended('denied', TOOL_RESULT_TEXT.deniedByRule));
			return this.proceed();
		}
		if (rule === 'allow') this.run(call.id);
		else this.change(call.id, { state: 'awaiting_approval' });
	}

	private call(callId: string): ToolCallInfo {
		const call = this.calls.find((entry) => entry.id === callId);
		if (!call) throw new MockFailure('not_found', `No tool call '${callId}'.`);
		return call;
	}

	/** Change a call, store it in the message and tell the page. */
	private change(callId: string, patch: Partial<ToolCallInfo>): ToolCallInfo {
		const call = { ...this.call(callId), ...patch };
		this.calls = this.calls.map((entry) => (entry.id === callId ? call : entry));
		this.hooks.update({ tool_calls: this.calls });
		this.tell(call);
		return call;
	}

	private tell(call: ToolCallInfo): void {
		this.hooks.emit({
			type: 'tool_call',
			stream_id: this.streamId,
			conversation_id: this.message.conversation_id,
			message_id: this.message.id,
			call
		});
	}

	/** The user's answer to a call that waits (like `ChatOrchestrator.answer_tool_call`). */
	answer(answer: AnswerToolCallParams): ToolCallInfo {
		const call = this.calls.find((entry) => entry.id === answer.call_id);
		if (this.over || call?.state !== 'awaiting_approval') throw notWaiting(answer);
		if (answer.decision === 'deny') {
			const denied = this.change(
				call.id,
				ended('denied', TOOL_RESULT_TEXT.denied(answer.reason ?? null))
			);
			this.proceed();
			return denied;
		}
		if (call.server_id && call.tool) {
			if (answer.decision === 'always_tool')
				this.hooks.tools.setRule(call.server_id, call.tool, 'allow');
			if (answer.decision === 'always_server')
				this.hooks.tools.setRule(call.server_id, null, 'allow');
		}
		return this.run(call.id);
	}

	private run(callId: string): ToolCallInfo {
		const call = this.change(callId, { state: 'running' });
		this.started.set(callId, Date.now());
		const outcome = this.hooks.tools.run(
			call.server_id ?? '',
			call.tool ?? '',
			JSON.parse(call.arguments) as Record<string, unknown>
		);
		this.timers.set(
			callId,
			setTimeout(() => this.finishCall(callId, outcome), outcome.ms ?? this.hooks.callMs)
		);
		return call;
	}

	private finishCall(callId: string, outcome: MockToolOutcome): void {
		this.timers.delete(callId);
		const duration_ms = Date.now() - (this.started.get(callId) ?? Date.now());
		if (outcome.failed) {
			this.change(callId, { ...ended('failed', outcome.text), duration_ms });
			return this.proceed();
		}
		const full = outcome.text;
		const limit = this.hooks.resultMaxChars();
		const cut = full.length > limit;
		this.change(callId, {
			...ended(
				'done',
				cut ? full.slice(0, limit) + TOOL_RESULT_TEXT.truncated(full.length, limit) : full
			),
			truncated_from: cut ? full.length : null,
			duration_ms
		});
		this.proceed();
	}

	/** Every call has ended: the answer goes on, or (nothing was offered) ends here. */
	private settle(): void {
		if (this.over) return;
		this.over = true;
		const message = this.hooks.update({ status: 'complete', tool_calls: this.calls });
		if (this.offered)
			return this.hooks.next(
				message,
				this.calls.some((call) => call.state === 'done')
			);
		this.hooks.emit({
			type: 'stream_end',
			stream_id: this.streamId,
			conversation_id: this.message.conversation_id,
			message
		});
		this.hooks.ended(message);
	}

	/** Stop: what waits or runs is cancelled, and the answer ends here. */
	cancel(): void {
		if (this.over) return;
		this.over = true;
		for (const timer of this.timers.values()) clearTimeout(timer);
		this.timers.clear();
		for (const call of this.calls) {
			if (!FINAL.has(call.state))
				this.change(call.id, ended('cancelled', TOOL_RESULT_TEXT.stopped));
		}
		const message = this.hooks.update({ status: 'cancelled', tool_calls: this.calls });
		this.hooks.emit({
			type: 'stream_end',
			stream_id: this.streamId,
			conversation_id: this.message.conversation_id,
			message
		});
		this.hooks.ended(message);
	}
}

function ended(state: ToolCallInfo['state'], result: string): Partial<ToolCallInfo> {
	return { state, result, is_error: state !== 'done' };
}

/** The backend's words when no such call waits for an answer. */
export function notWaiting(answer: AnswerToolCallParams): MockFailure {
	return new MockFailure(
		'not_found',
		`No tool call '${answer.call_id}' of message '${answer.message_id}' is waiting for approval (it was answered or stopped, or its answer has ended).`
	);
}
