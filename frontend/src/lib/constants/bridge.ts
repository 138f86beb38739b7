/** Query parameters that choose the transport at start-up. */
export const QUERY_TOKEN = 'token';
export const QUERY_BRIDGE = 'bridge';
export const BRIDGE_MOCK = 'mock';

/** Query parameters that tune the mock backend (tests and the benchmark use them). */
export const QUERY_MOCK_RATE = 'mock_rate';
export const QUERY_MOCK_MODEL = 'mock_model';
export const QUERY_MOCK_DELAY = 'mock_delay';
/** `?mock_recovery=1`: the mock says it recovered a damaged database at start. */
export const QUERY_MOCK_RECOVERY = 'mock_recovery';
export const QUERY_MOCK_TOOL_START = 'mock_tool_start';
/** `?mock_tool_call=MS`: how long a tool call runs. */
export const QUERY_MOCK_TOOL_CALL = 'mock_tool_call';
/** `?mock_heal=MS`: how long a `/failover` fall-back lasts before the local server is back. */
export const QUERY_MOCK_HEAL = 'mock_heal';
/** `?mock_load=MS`: how long the mock takes to load a model (default 800). */
export const QUERY_MOCK_LOAD = 'mock_load';
/** `?mock_tools=demo`: start with a ready tool server (the default under `vite dev`); `none`: not. */
export const QUERY_MOCK_TOOLS = 'mock_tools';
export const MOCK_TOOLS_DEMO = 'demo';

export const HTTP_API_PREFIX = '/api/';
export const HTTP_EVENTS_PATH = '/api/events';

export const PYWEBVIEW_READY_EVENT = 'pywebviewready';

/** How long to wait for pywebview before giving up and reporting an error. */
export const PYWEBVIEW_READY_TIMEOUT_MS = 15_000;

export const EVENT = {
	streamChunk: 'stream_chunk',
	streamEnd: 'stream_end',
	streamError: 'stream_error',
	toolCall: 'tool_call',
	streamRound: 'stream_round',
	streamNotice: 'stream_notice',
	streamProgress: 'stream_progress',
	queueChanged: 'queue_changed',
	serverStatus: 'server_status',
	modelsChanged: 'models_changed',
	conversationUpdated: 'conversation_updated'
} as const;

export const ERROR_CODE = {
	internal: 'internal',
	configInvalid: 'config_invalid',
	invalidArgument: 'invalid_argument'
} as const;
