/** The backend event carrying every tool server after any change. */
export const TOOL_SERVERS_CHANGED_EVENT = 'tool_servers_changed';

/** How each server state reads. */
export const TOOL_SERVER_STATE_LABEL = {
	stopped: 'Stopped',
	starting: 'Starting',
	ready: 'Ready',
	failed: 'Failed'
} as const;

/** How each transport reads in the form and the list. */
export const TOOL_TRANSPORT_LABEL = {
	stdio: 'Local command (stdio)',
	http: 'Streamable HTTP',
	sse: 'HTTP + SSE (older servers)'
} as const;

/** How each approval rule reads, for a server and for one tool (where null inherits). */
export const APPROVAL_RULE_LABEL = {
	ask: 'Ask before each call',
	allow: 'Always allow',
	deny: 'Never run'
} as const;
