import type { ToolInfo, ToolServerInfo } from '$lib/types';

/** What a mock tool answers: its text, how long it takes, whether it could not run. */
export interface MockToolOutcome {
	text: string;
	/** How long the call runs; by default the mock's `toolCallMs`. */
	ms?: number;
	/** It did not answer (its server died): the call is `failed` with `text`. */
	failed?: boolean;
}

/** A tool a mock server offers: what `list_tools` shows and what a call answers. */
export interface MockTool {
	info: Omit<ToolInfo, 'server_id' | 'rule'>;
	run: (args: Record<string, unknown>) => MockToolOutcome;
}

function schema(properties: Record<string, string>): Record<string, unknown> {
	return {
		type: 'object',
		properties: Object.fromEntries(
			Object.entries(properties).map(([name, type]) => [name, { type }])
		),
		required: Object.keys(properties)
	};
}

function tool(
	name: string,
	description: string,
	properties: Record<string, string>,
	run: MockTool['run']
): MockTool {
	return { info: { name, description, input_schema: schema(properties) }, run };
}

/** How long a `slow.txt` read runs: long enough to press Stop while it runs. */
const SLOW_READ_MS = 60_000;

/** The demo's tools (`/tool` prompts): `big.txt` is longer than any result limit. */
const DEMO_TOOLS: MockTool[] = [
	tool('read_file', 'Read a text file.', { path: 'string' }, ({ path }) => {
		if (path === 'big.txt') return { text: 'All work and no play. '.repeat(5000) };
		if (path === 'slow.txt') return { text: 'Finally.', ms: SLOW_READ_MS };
		return { text: 'Buy milk.\nCall the plumber on Tuesday.' };
	}),
	tool('search', 'Search the files for a phrase.', { query: 'string' }, () => ({
		text: 'notes.txt:2: Call the plumber on Tuesday.'
	}))
];

/** The mock's stand-in for `tests/tools/mcp_server.py` (its tools, in its order, and answers). */
const TEST_SERVER_TOOLS: MockTool[] = [
	tool('add', 'Add two integers.', { a: 'integer', b: 'integer' }, ({ a, b }) => ({
		text: String(Number(a) + Number(b))
	})),
	tool(
		'echo_env',
		'The value of an environment variable of the server (empty when unset).',
		{
			name: 'string'
		},
		() => ({ text: '' })
	),
	tool('big', 'A text of that many megabytes.', { megabytes: 'integer' }, ({ megabytes }) => ({
		text: 'x'.repeat(Number(megabytes) * 1024 * 1024)
	})),
	tool('crash', 'Exit with code 7 while the call runs.', {}, () => ({
		text: 'Error: the tool could not run: test-tools stopped during the call of crash: exited with code 7',
		failed: true
	})),
	tool('sleep', 'Answer after ``seconds``.', { seconds: 'number' }, ({ seconds }) => ({
		text: 'slept',
		ms: Number(seconds) * 1000
	})),
	tool('log', 'Write ``text`` to stderr.', { text: 'string' }, () => ({ text: 'logged' })),
	tool('noop', 'Do nothing and answer "ok".', {}, () => ({ text: 'ok' })),
	tool(
		'garbage',
		'Write a line that is not JSON to fd 1 (the SDK keeps the channel elsewhere), then answer.',
		{},
		() => ({
			text: 'answered after garbage'
		})
	)
];

/** The test server's script, as a stdio server's argument names it. */
const TEST_SERVER_SCRIPT = 'mcp_server.py';

/** The tools a ready mock server offers: the test server's when it runs that script, else the demo's. */
export function toolsOf(server: Pick<ToolServerInfo, 'args'>): MockTool[] {
	return server.args.some((arg) => arg.endsWith(TEST_SERVER_SCRIPT))
		? TEST_SERVER_TOOLS
		: DEMO_TOOLS;
}
