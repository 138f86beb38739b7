/** The backend event carrying every provider, the failover rules and fall-backs after a change. */
export const PROVIDERS_CHANGED_EVENT = 'providers_changed';

/** The managed llama-server's provider id (`LOCAL_PROVIDER_ID` in the backend). */
export const LOCAL_PROVIDER_ID = 'local';

/** A failover rule's primary model that stands for any model of its provider. */
export const ANY_MODEL = '*';

/** How each health state reads in the settings and the model selector. */
export const PROVIDER_HEALTH_LABEL = {
	unknown: 'Not checked yet',
	ok: 'Reachable',
	unreachable: 'Unreachable',
	auth_failed: 'Key refused',
	error: 'Error',
	disabled: 'Switched off'
} as const;

/** How each failover policy reads. */
export const FAILOVER_POLICY_LABEL = {
	off: 'Off (show the error)',
	ask: 'Ask me',
	automatic: 'Automatic'
} as const;

/** A new provider form's timeout, as the backend's default (`ProviderConfig.timeout_s`). */
export const DEFAULT_PROVIDER_TIMEOUT_S = 60;

/** The selector's value for a provider's model: provider id and model joined by this. */
export const PROVIDER_MODEL_SEPARATOR = '\u001f';
