import type { ToolInfo, ToolServerSpec } from '$lib/types';
import { MockFailure } from './errors';

/** The tools every ready mock server offers. */
export const MOCK_TOOLS: Omit<ToolInfo, 'server_id' | 'rule'>[] = [
	{
		name: 'read_file',
		description: 'Read a text file.',
		input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] }
	},
	{
		name: 'search',
		description: 'Search the files for a phrase.',
		input_schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] }
	}
];

/** A command containing this word fails to start, like a server that exits at once. */
export const MOCK_FAILING_COMMAND = 'fail';

export const TRANSPORTS: Partial<Record<string, ToolServerSpec['transport']>> = {
	stdio: 'stdio',
	http: 'http',
	'streamable-http': 'http',
	streamable_http: 'http',
	streamableHttp: 'http',
	sse: 'sse'
};

/** Port of `backend.tools._config.unique_id`. */
export function uniqueServerId(name: string, taken: Set<string>): string {
	const base =
		name
			.replace(/[^A-Za-z0-9_.-]+/g, '-')
			.replace(/^[-.]+|[-.]+$/g, '')
			.slice(0, 48) || 'server';
	let candidate = base;
	for (let counter = 2; taken.has(candidate); counter++) candidate = `${base}-${counter}`;
	return candidate;
}

/** Port of `ToolServerSpec._fits_transport`: what is wrong with a spec, or null. */
export function specProblem(spec: ToolServerSpec): string | null {
	const env = Object.keys(spec.env ?? {}).length > 0;
	const headers = Object.keys(spec.headers ?? {}).length > 0;
	if (spec.transport === 'stdio') {
		if (!spec.command) return 'a stdio server needs a command';
		if (spec.url !== null || headers) return 'a stdio server takes no url or headers';
		return null;
	}
	if (!spec.url) return `an ${spec.transport} server needs a url`;
	if (spec.command !== null || (spec.args ?? []).length > 0 || spec.cwd !== null || env)
		return `an ${spec.transport} server takes no command, args, cwd or env`;
	return null;
}

/** The backend's words for a spec refused by its validator (`invalid_argument_from`). */
export function checkSpec(spec: ToolServerSpec, command: string): void {
	const problem = specProblem(spec);
	if (problem === null) return;
	const message = `Value error, ${problem}`;
	throw new MockFailure(
		'invalid_argument',
		`Invalid arguments for ${command}: server: ${message}`,
		[{ field: 'server', message }]
	);
}
