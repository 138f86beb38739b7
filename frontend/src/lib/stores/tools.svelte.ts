import { TOOL_SERVERS_CHANGED_EVENT } from '$lib/constants/tools';
import { BridgeEvents } from '$lib/services/events';
import { ToolsService, type ApprovalRule } from '$lib/services/tools';
import type { ExportToolServersResult, ToolInfo, ToolServerInfo, ToolServerSpec } from '$lib/types';
import { withItem } from '$lib/utils/by-id';
import { CommandStore } from './command-store.svelte';

/** The MCP tool servers on Settings → Tools, kept current by `tool_servers_changed` events. */
export class ToolsStore extends CommandStore {
	servers = $state<ToolServerInfo[]>([]);
	/** Where the backend keeps the servers' secrets (the keyring, or a file only you can read). */
	secretStorage = $state('');
	/** Each server's tools, once asked for. */
	tools = $state<Record<string, ToolInfo[]>>({});
	isSaving = $state(false);
	/** What the last import did, for a status line. */
	notice = $state<string | null>(null);

	/** Whether any server is enabled, i.e. whether answers are offered tools. */
	readonly anyEnabled = $derived(this.servers.some((server) => server.enabled));

	constructor() {
		super();
		BridgeEvents.subscribe((event) => {
			if (event.type !== TOOL_SERVERS_CHANGED_EVENT) return;
			this.servers = event.servers.servers;
			this.secretStorage = event.servers.secret_storage;
		});
	}

	private merge(server: ToolServerInfo): void {
		this.servers = withItem(this.servers, server);
	}

	async load(): Promise<void> {
		const listed = await this.attempt(() => ToolsService.list());
		if (listed) {
			this.servers = listed.servers;
			this.secretStorage = listed.secret_storage;
		}
	}

	/** Add a server, or save an edited one; false when the backend refused it. */
	async save(serverId: string | null, spec: ToolServerSpec): Promise<boolean> {
		this.isSaving = true;
		try {
			const saved = await this.attempt(() =>
				serverId === null ? ToolsService.add(spec) : ToolsService.update(serverId, spec)
			);
			if (saved) this.merge(saved);
			return saved !== null;
		} finally {
			this.isSaving = false;
		}
	}

	async remove(serverId: string): Promise<void> {
		const listed = await this.attempt(() => ToolsService.remove(serverId));
		if (listed) this.servers = listed.servers;
	}

	async setEnabled(serverId: string, enabled: boolean): Promise<void> {
		const saved = await this.attempt(() => ToolsService.setEnabled(serverId, enabled));
		if (saved) this.merge(saved);
	}

	async restart(serverId: string): Promise<void> {
		const saved = await this.attempt(() => ToolsService.restart(serverId));
		if (saved) this.merge(saved);
	}

	/** Ask for a server's tools (it starts if needed). */
	async loadTools(serverId: string): Promise<void> {
		const tools = await this.attempt(() => ToolsService.tools(serverId));
		if (tools) this.tools = { ...this.tools, [serverId]: tools };
	}

	/** The server's rule (`tool` null), or one tool's (`rule` null: it follows the server). */
	async setRule(serverId: string, tool: string | null, rule: ApprovalRule | null): Promise<void> {
		const saved = await this.attempt(() => ToolsService.setRule(serverId, tool, rule));
		if (!saved) return;
		this.merge(saved);
		const tools = this.tools[serverId];
		if (tools) {
			const rules = saved.tool_rules ?? {};
			this.tools = {
				...this.tools,
				[serverId]: tools.map((entry) => ({ ...entry, rule: rules[entry.name] ?? saved.rule }))
			};
		}
	}

	async importJson(text: string): Promise<void> {
		const imported = await this.attempt(() => ToolsService.importJson(text));
		if (!imported) return;
		this.servers = imported.servers.servers;
		const count = imported.added.length;
		this.notice = `Imported ${count} server${count === 1 ? '' : 's'}.`;
	}

	/** The servers as an mcp.json document (secret values left empty), or null on failure. */
	exportJson(): Promise<ExportToolServersResult | null> {
		return this.attempt(() => ToolsService.exportJson());
	}
}

export const toolsStore = new ToolsStore();
