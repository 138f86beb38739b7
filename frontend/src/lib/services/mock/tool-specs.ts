import type { ToolServerSpec } from '$lib/types';
import { MockFailure } from './errors';

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

/** Port of `backend.tools._mcpjson.parse_mcp_json` (the checks the page can trip). */
export function parseMcpJson(data: string | Record<string, unknown>): ToolServerSpec[] {
	let raw: unknown = data;
	if (typeof data === 'string') {
		try {
			raw = JSON.parse(data);
		} catch (reason) {
			throw new MockFailure('import_invalid', `The file is not valid JSON: ${String(reason)}.`);
		}
	}
	const entries =
		raw && typeof raw === 'object' && 'mcpServers' in raw
			? (raw as { mcpServers: unknown }).mcpServers
			: undefined;
	if (entries === undefined)
		throw new MockFailure(
			'import_invalid',
			'This is not an mcp.json file (expected {"mcpServers": {...}}).'
		);
	if (!entries || typeof entries !== 'object' || Array.isArray(entries))
		throw new MockFailure('import_invalid', 'The mcp.json file is invalid at mcpServers.', [
			{ field: 'mcpServers', message: 'Input should be a valid dictionary' }
		]);
	return Object.entries(entries as Record<string, Record<string, unknown>>).map(([name, entry]) => {
		const said = (entry.type ?? entry.transport) as string | undefined;
		if (said !== undefined && !(said in TRANSPORTS))
			throw new MockFailure(
				'import_invalid',
				`The mcp.json file is invalid at mcpServers.${name}.type: unknown transport '${said}'`,
				[{ field: `mcpServers.${name}.type`, message: `unknown transport '${said}'` }]
			);
		const transport: ToolServerSpec['transport'] =
			said !== undefined
				? (TRANSPORTS[said] ?? 'stdio')
				: entry.url !== undefined
					? 'http'
					: 'stdio';
		const spec: ToolServerSpec = {
			name,
			transport,
			command: (entry.command as string | undefined) ?? null,
			args: (entry.args as string[] | undefined) ?? [],
			cwd: (entry.cwd as string | undefined) ?? null,
			env: (entry.env as Record<string, string> | undefined) ?? {},
			url: (entry.url as string | undefined) ?? null,
			headers: (entry.headers as Record<string, string> | undefined) ?? {},
			enabled: entry.disabled !== true
		};
		const problem = specProblem(spec);
		if (problem !== null)
			throw new MockFailure(
				'import_invalid',
				`The mcp.json file is invalid at mcpServers.${name}: Value error, ${problem}`,
				[{ field: `mcpServers.${name}`, message: `Value error, ${problem}` }]
			);
		return spec;
	});
}
