import type {
	ExportToolServersResult,
	ImportToolServersResult,
	ToolInfo,
	ToolServerInfo,
	ToolServerSpec,
	ToolServers
} from '$lib/types';
import { call } from './ipc';

/** What a call may do without asking: ask first, always allow, or never run. */
export type ApprovalRule = ToolServerInfo['rule'];

/** MCP tool server commands. Stateless. */
export const ToolsService = {
	list: (): Promise<ToolServers> => call('list_tool_servers', {}),
	add: (server: ToolServerSpec): Promise<ToolServerInfo> => call('add_tool_server', { server }),
	update: (server_id: string, server: ToolServerSpec): Promise<ToolServerInfo> =>
		call('update_tool_server', { server_id, server }),
	remove: (server_id: string): Promise<ToolServers> => call('remove_tool_server', { server_id }),
	setEnabled: (server_id: string, enabled: boolean): Promise<ToolServerInfo> =>
		call('set_tool_server_enabled', { server_id, enabled }),
	restart: (server_id: string): Promise<ToolServerInfo> =>
		call('restart_tool_server', { server_id }),
	/** One server's tools; the backend starts it first when it is enabled and stopped. */
	tools: (server_id: string): Promise<ToolInfo[]> => call('list_tools', { server_id }),
	/** A rule for the whole server (`tool` null), or for one tool (`rule` null: inherit). */
	setRule: (
		server_id: string,
		tool: string | null,
		rule: ApprovalRule | null
	): Promise<ToolServerInfo> => call('set_tool_rule', { server_id, tool, rule }),
	importJson: (data: string): Promise<ImportToolServersResult> =>
		call('import_tool_servers', { data }),
	exportJson: (): Promise<ExportToolServersResult> => call('export_tool_servers', {})
};
