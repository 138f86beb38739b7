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

/** How each tool call state reads in the conversation. */
export const TOOL_CALL_STATE_LABEL = {
	pending: 'Waiting',
	awaiting_approval: 'Waiting for your approval',
	running: 'Running',
	done: 'Done',
	failed: 'Failed',
	denied: 'Denied',
	invalid: 'Invalid call',
	cancelled: 'Stopped'
} as const;

/** The four answers to a call waiting for approval, in the order the card shows them. */
export const APPROVAL_DECISION_LABEL = {
	once: 'Run once',
	always_tool: 'Always for this tool',
	always_server: 'Always for this server',
	deny: 'Deny'
} as const;

/** Arguments longer than this many lines (or characters) start collapsed. */
export const LONG_ARGUMENT_LINES = 12;
export const LONG_ARGUMENT_CHARS = 800;
