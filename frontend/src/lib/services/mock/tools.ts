import type {
	BridgeEvent,
	ToolInfo,
	ToolServerInfo,
	ToolServerSpec,
	ToolServers
} from '$lib/types';
import { MockFailure } from './errors';
import { toolsOf, type MockToolOutcome } from './mock-tools';
import { MOCK_FAILING_COMMAND, checkSpec, parseMcpJson, uniqueServerId } from './tool-specs';

type ApprovalRule = ToolServerInfo['rule'];

/** What the mock says about where secrets are kept (the backend names its file or keyring). */
export const MOCK_SECRET_STORAGE =
	'the file ~/.config/llamadesk/tool-secrets.json (readable only by you)';

/** A tool an answer offers: which server and which of its tools. */
export interface OfferedTool {
	serverId: string;
	serverName: string;
	tool: string;
}

/** An enabled server an answer cannot use, and why (`UnavailableServer` in the backend). */
export interface UnavailableServer {
	serverId: string;
	name: string;
	reason: string;
	lastStderr: string | null;
}

/** Port of `UnavailableServer.notice` in `backend/tools/_manager.py`. */
export function unavailableNotice(server: UnavailableServer): string {
	const said = server.lastStderr ? ` (its last stderr line: "${server.lastStderr}")` : '';
	return (
		`The tool server ${server.name} is not available: ${server.reason}${said}. This answer ` +
		'goes on without its tools; Settings → Tools can restart it.'
	);
}

interface MockServer {
	info: ToolServerInfo;
	secrets: Record<string, string>;
}

/** The tool servers: a store of specs, and a start that takes `startMs` then becomes ready. */
export class MockTools {
	private servers = new Map<string, MockServer>();
	private timers = new Map<string, ReturnType<typeof setTimeout>>();
	/** Who waits for a server's start to end (like `ServerConnection.ready`). */
	private waiters = new Map<string, (() => void)[]>();

	constructor(
		private readonly emit: (event: BridgeEvent) => void,
		private readonly startMs: number
	) {}

	list(): ToolServers {
		return {
			servers: [...this.servers.values()].map((server) => server.info),
			secret_storage: MOCK_SECRET_STORAGE
		};
	}

	private get(serverId: string): MockServer {
		const server = this.servers.get(serverId);
		if (!server) throw new MockFailure('not_found', `There is no tool server '${serverId}'.`);
		return server;
	}

	private changed(): void {
		this.emit({ type: 'tool_servers_changed', servers: this.list() });
	}

	private patch(serverId: string, patch: Partial<ToolServerInfo>): ToolServerInfo {
		const server = this.get(serverId);
		server.info = { ...server.info, ...patch };
		return server.info;
	}

	private stop(serverId: string): void {
		clearTimeout(this.timers.get(serverId));
		this.timers.delete(serverId);
		this.patch(serverId, { state: 'stopped', tool_count: 0, error: null, stderr_tail: [] });
	}

	private start(serverId: string): void {
		const server = this.get(serverId);
		if (!server.info.enabled) return;
		clearTimeout(this.timers.get(serverId));
		this.patch(serverId, { state: 'starting', error: null, stderr_tail: [] });
		this.timers.set(
			serverId,
			setTimeout(() => {
				this.timers.delete(serverId);
				if (server.info.command?.includes(MOCK_FAILING_COMMAND)) {
					this.patch(serverId, {
						state: 'failed',
						error: 'it exited with code 1',
						stderr_tail: ['Error: cannot open the database']
					});
				} else {
					this.patch(serverId, { state: 'ready', tool_count: toolsOf(server.info).length });
				}
				for (const resolve of this.waiters.get(serverId) ?? []) resolve();
				this.waiters.delete(serverId);
				this.changed();
			}, this.startMs)
		);
	}

	private stored(serverId: string, spec: ToolServerSpec, old: MockServer | null): MockServer {
		const secrets: Record<string, string> = {};
		for (const [kind, given] of [
			['env', spec.env ?? {}],
			['header', spec.headers ?? {}]
		] as const) {
			for (const [name, value] of Object.entries(given)) {
				const key = `${kind}/${name}`;
				const kept = value ?? old?.secrets[key];
				if (kept === undefined)
					throw new MockFailure(
						'invalid_argument',
						`${name} has no stored value to keep; give one.`
					);
				secrets[key] = kept;
			}
		}
		return {
			secrets,
			info: {
				id: serverId,
				name: spec.name,
				transport: spec.transport,
				command: spec.command,
				args: spec.args ?? [],
				cwd: spec.cwd,
				env_names: Object.keys(spec.env ?? {}),
				url: spec.url,
				header_names: Object.keys(spec.headers ?? {}),
				enabled: spec.enabled,
				state: 'stopped',
				tool_count: 0,
				error: null,
				warning: null,
				stderr_tail: [],
				rule: old?.info.rule ?? 'ask',
				tool_rules: old?.info.tool_rules ?? {}
			}
		};
	}

	private checkName(name: string, except: string | null): void {
		for (const server of this.servers.values()) {
			if (server.info.name === name && server.info.id !== except)
				throw new MockFailure('conflict', `There is already a tool server named '${name}'.`);
		}
	}

	add(spec: ToolServerSpec): ToolServerInfo {
		checkSpec(spec, 'add_tool_server');
		this.checkName(spec.name, null);
		const serverId = uniqueServerId(spec.name, new Set(this.servers.keys()));
		this.servers.set(serverId, this.stored(serverId, spec, null));
		this.start(serverId);
		this.changed();
		return this.get(serverId).info;
	}

	/** A server that starts at once, for `?mock_tools=demo` (a `/tool` prompt then asks). */
	addDemoServer(): void {
		this.add({
			name: 'files',
			transport: 'stdio',
			command: 'npx',
			args: ['-y', '@modelcontextprotocol/server-filesystem', '~/notes'],
			cwd: null,
			env: {},
			url: null,
			headers: {},
			enabled: true
		});
	}

	update(serverId: string, spec: ToolServerSpec): ToolServerInfo {
		checkSpec(spec, 'update_tool_server');
		const old = this.get(serverId);
		this.checkName(spec.name, serverId);
		const wasRunning = old.info.state !== 'stopped';
		const server = this.stored(serverId, spec, old);
		this.stop(serverId);
		this.servers.set(serverId, server);
		if (wasRunning) this.start(serverId);
		this.changed();
		return server.info;
	}

	remove(serverId: string): ToolServers {
		this.stop(serverId);
		this.servers.delete(serverId);
		this.changed();
		return this.list();
	}

	setEnabled(serverId: string, enabled: boolean): ToolServerInfo {
		this.patch(serverId, { enabled });
		if (enabled) this.start(serverId);
		else this.stop(serverId);
		this.changed();
		return this.get(serverId).info;
	}

	restart(serverId: string): ToolServerInfo {
		const server = this.get(serverId);
		if (!server.info.enabled)
			throw new MockFailure('conflict', `${server.info.name} is disabled; enable it to start it.`);
		this.stop(serverId);
		this.start(serverId);
		this.changed();
		return server.info;
	}

	async tools(serverId: string | null): Promise<ToolInfo[]> {
		const servers =
			serverId === null
				? [...this.servers.values()].filter((server) => server.info.state === 'ready')
				: [this.get(serverId)];
		if (serverId !== null) {
			const { info } = this.get(serverId);
			if (!info.enabled)
				throw new MockFailure('conflict', `${info.name} is disabled; enable it to list its tools.`);
			if (info.state === 'failed' || info.state === 'stopped') {
				this.start(serverId);
				this.changed();
			}
			if (this.get(serverId).info.state === 'starting')
				await new Promise<void>((resolve) =>
					this.waiters.set(serverId, [...(this.waiters.get(serverId) ?? []), resolve])
				);
			const now = this.get(serverId).info;
			if (now.state !== 'ready')
				throw new MockFailure(
					'tool_error',
					`The tool server ${now.name} is not available: ${now.error}`,
					[],
					(now.stderr_tail ?? []).join('\n') || null
				);
		}
		return servers.flatMap(({ info }) =>
			toolsOf(info).map(({ info: tool }) => ({
				...tool,
				server_id: info.id,
				rule: info.tool_rules?.[tool.name] ?? info.rule
			}))
		);
	}

	/**
	 * The tools an answer offers, by the function name the model sees (port of
	 * `backend.chat._tool_offer`: every enabled, ready server's tools its rules do not deny,
	 * `<server>__<tool>` when two servers offer the same name).
	 */
	offer(): Map<string, OfferedTool> {
		const tools = [...this.servers.values()]
			.filter(({ info }) => info.enabled && info.state === 'ready')
			.flatMap(({ info }) =>
				toolsOf(info)
					.filter(({ info: tool }) => (info.tool_rules?.[tool.name] ?? info.rule) !== 'deny')
					.map(({ info: tool }) => ({ serverId: info.id, serverName: info.name, tool: tool.name }))
			);
		const counts = new Map<string, number>();
		for (const { tool } of tools) counts.set(tool, (counts.get(tool) ?? 0) + 1);
		return new Map(
			tools.map((offered) => {
				const name =
					counts.get(offered.tool) === 1 ? offered.tool : `${offered.serverId}__${offered.tool}`;
				return [name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64), offered];
			})
		);
	}

	/**
	 * The enabled servers an answer cannot use (port of `Offered.unavailable` in
	 * `ToolManager.offered`; the mock does not wait for a server still starting).
	 */
	unavailable(): UnavailableServer[] {
		return [...this.servers.values()]
			.filter(({ info }) => info.enabled && info.state === 'failed')
			.map(({ info }) => {
				const tail = (info.stderr_tail ?? []).map((line) => line.trim()).filter(Boolean);
				return {
					serverId: info.id,
					name: info.name,
					reason: info.error ?? `it is ${info.state}`,
					lastStderr: tail.at(-1)?.slice(0, 200) ?? null
				};
			});
	}

	/** Run a tool of a server (the mock's stand-in for the MCP call). */
	run(serverId: string, tool: string, args: Record<string, unknown>): MockToolOutcome {
		const info = this.get(serverId).info;
		const found = toolsOf(info).find((entry) => entry.info.name === tool);
		if (!found) throw new MockFailure('internal', `${info.name} has no tool ${tool}.`);
		return found.run(args);
	}

	/** The rule a call of this tool follows now (its own, else its server's); null: no server. */
	ruleFor(serverId: string, tool: string): ApprovalRule | null {
		const info = this.servers.get(serverId)?.info;
		return info ? (info.tool_rules?.[tool] ?? info.rule) : null;
	}

	setRule(serverId: string, tool: string | null, rule: ApprovalRule | null): ToolServerInfo {
		const server = this.get(serverId);
		if (tool === null) {
			if (rule === null)
				throw new MockFailure(
					'invalid_argument',
					"A server's own rule cannot be empty: ask, allow or deny."
				);
			this.patch(serverId, { rule });
		} else {
			const toolRules = { ...(server.info.tool_rules ?? {}) };
			delete toolRules[tool];
			if (rule !== null) toolRules[tool] = rule;
			this.patch(serverId, { tool_rules: toolRules });
		}
		this.changed();
		return this.get(serverId).info;
	}

	/** Add the servers of an mcp.json document (a taken name becomes `name-2`). */
	import(data: string | Record<string, unknown>): { added: string[]; servers: ToolServers } {
		const specs = parseMcpJson(data);
		const names = new Set([...this.servers.values()].map((server) => server.info.name));
		const added = specs.map((spec) => {
			let name = spec.name;
			for (let counter = 2; names.has(name); counter++) name = `${spec.name}-${counter}`;
			names.add(name);
			return this.add({ ...spec, name }).id;
		});
		return { added, servers: this.list() };
	}

	/** Port of `format_mcp_json`: names of secrets with empty values. */
	export(): { filename: string; content: string } {
		const mcpServers = Object.fromEntries(
			[...this.servers.values()].map(({ info }) => {
				const entry: Record<string, unknown> =
					info.transport === 'stdio'
						? { command: info.command, args: info.args }
						: { type: info.transport, url: info.url };
				if (info.transport === 'stdio' && info.cwd !== null) entry.cwd = info.cwd;
				if (info.env_names.length > 0)
					entry.env = Object.fromEntries(info.env_names.map((name) => [name, '']));
				if (info.header_names.length > 0)
					entry.headers = Object.fromEntries(info.header_names.map((name) => [name, '']));
				if (!info.enabled) entry.disabled = true;
				return [info.name, entry];
			})
		);
		return { filename: 'mcp.json', content: JSON.stringify({ mcpServers }, null, 2) + '\n' };
	}
}
