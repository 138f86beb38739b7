import { describe, expect, it } from 'vitest';
import type { ToolCallInfo } from '$lib/types';
import { formatDuration, isLong, mergeToolCall, prettyArguments, toolName } from './tool-calls';

function call(id: string, state: ToolCallInfo['state'], extra: Partial<ToolCallInfo> = {}) {
	return {
		id,
		name: 'read_file',
		arguments: '{}',
		server_id: 'files',
		server_name: 'files',
		tool: 'read_file',
		state,
		result: null,
		is_error: false,
		truncated_from: null,
		duration_ms: null,
		...extra
	} satisfies ToolCallInfo;
}

describe('mergeToolCall', () => {
	it('adds a new call at the end and replaces one that moved on', () => {
		const first = mergeToolCall([], call('a', 'pending'));
		const both = mergeToolCall(first, call('b', 'pending'));
		expect(both.map((entry) => entry.id)).toEqual(['a', 'b']);
		const asked = mergeToolCall(both, call('a', 'awaiting_approval'));
		expect(asked.map((entry) => entry.state)).toEqual(['awaiting_approval', 'pending']);
	});

	it('never takes a call back: a late "running" answer does not undo its result', () => {
		const done = [call('a', 'done', { result: '5' })];
		expect(mergeToolCall(done, call('a', 'running'))).toEqual(done);
		expect(mergeToolCall([call('a', 'running')], call('a', 'cancelled'))[0]?.state).toBe(
			'cancelled'
		);
	});

	it('does not change the array it was given', () => {
		const calls = [call('a', 'pending')];
		mergeToolCall(calls, call('a', 'running'));
		expect(calls[0]?.state).toBe('pending');
	});
});

describe('tool call text', () => {
	it('indents JSON arguments and leaves anything else as the model wrote it', () => {
		expect(prettyArguments('{"path":"a.txt","n":2}')).toBe('{\n  "path": "a.txt",\n  "n": 2\n}');
		expect(prettyArguments('{"path": "a.txt"')).toBe('{"path": "a.txt"');
	});

	it('calls a text long past 12 lines or 800 characters', () => {
		expect(isLong('x'.repeat(800))).toBe(false);
		expect(isLong('x'.repeat(801))).toBe(true);
		expect(isLong(Array(13).fill('x').join('\n'))).toBe(true);
	});

	it('words durations and names', () => {
		expect(formatDuration(340.4)).toBe('340 ms');
		expect(formatDuration(2440)).toBe('2.4 s');
		expect(toolName(call('a', 'invalid', { tool: null, name: 'nope' }))).toBe('nope');
	});
});
