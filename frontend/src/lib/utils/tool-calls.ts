import { LONG_ARGUMENT_CHARS, LONG_ARGUMENT_LINES } from '$lib/constants/tools';
import type { ToolCallInfo } from '$lib/types';

type ToolCallState = ToolCallInfo['state'];

/** How far along a state is: a call never goes back (a late answer must not undo a result). */
const STATE_RANK: Record<ToolCallState, number> = {
	pending: 0,
	awaiting_approval: 1,
	running: 2,
	done: 3,
	failed: 3,
	denied: 3,
	invalid: 3,
	cancelled: 3
};

/** Whether the call has ended (it then has a result). */
export function isFinal(call: ToolCallInfo): boolean {
	return STATE_RANK[call.state] === 3;
}

/**
 * The calls with `call` in its newest state: added at the end if new, replaced if it moved on,
 * left alone if it is older than what is shown (events and command answers may cross).
 */
export function mergeToolCall(calls: readonly ToolCallInfo[], call: ToolCallInfo): ToolCallInfo[] {
	const index = calls.findIndex((entry) => entry.id === call.id);
	if (index === -1) return [...calls, call];
	const shown = calls[index] as ToolCallInfo;
	if (STATE_RANK[call.state] < STATE_RANK[shown.state]) return [...calls];
	return calls.map((entry, at) => (at === index ? call : entry));
}

/** Arguments as the model wrote them, indented when they are JSON. */
export function prettyArguments(text: string): string {
	try {
		return JSON.stringify(JSON.parse(text), null, 2);
	} catch {
		return text;
	}
}

/** Whether a block of text is long enough to start collapsed. */
export function isLong(text: string): boolean {
	return text.length > LONG_ARGUMENT_CHARS || text.split('\n').length > LONG_ARGUMENT_LINES;
}

/** `340 ms`, `2.4 s`. */
export function formatDuration(ms: number): string {
	return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The tool's own name, or what the model called when no server offers it. */
export function toolName(call: ToolCallInfo): string {
	return call.tool ?? call.name;
}
