/** The event the backend sends when the local API starts, stops, fails or gets a new key. */
export const LOCAL_API_STATUS_EVENT = 'local_api_status';

/** The settings section the generic form leaves to the local API panel. */
export const LOCAL_API_SECTION = 'local_api';

/** The local API's settings (saved through `save_config`). */
export const LOCAL_API_SETTING = {
	enabled: 'local_api.enabled',
	port: 'local_api.port'
} as const;

/** The port the backend's settings start with. */
export const LOCAL_API_DEFAULT_PORT = 7337;

/** What each state says to a person. */
export const LOCAL_API_STATE_LABEL: Record<string, string> = {
	off: 'off',
	starting: 'starting…',
	running: 'running',
	failed: 'failed'
};

/** How long “Copied” shows after a copy, in ms. */
export const COPIED_FEEDBACK_MS = 1500;
