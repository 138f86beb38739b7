import { ROUTE } from './routes';

/** The settings page's query parameter naming the tab to open, and its tabs. */
export const SETTINGS_SECTION_QUERY = 'section';
export const SETTINGS_SECTION = {
	general: 'general',
	models: 'models',
	providers: 'providers',
	tools: 'tools'
} as const;

/** The model manager: the Models tab of the settings page. */
export const MODELS_HREF = `${ROUTE.settings}?${SETTINGS_SECTION_QUERY}=${SETTINGS_SECTION.models}`;

/** Settings → Providers. */
export const PROVIDERS_HREF = `${ROUTE.settings}?${SETTINGS_SECTION_QUERY}=${SETTINGS_SECTION.providers}`;

/** The header selector's entry that opens the model manager instead of selecting a model. */
export const MANAGE_MODELS_VALUE = '__manage_models__';

/** How each load state reads, for badges and screen readers. */
export const LOAD_STATE_LABEL = {
	loaded: 'Loaded',
	loading: 'Loading',
	unloaded: 'Not loaded',
	failed: 'Failed to load'
} as const;

/** Where the models' source reads in the manager. */
export const MODEL_SOURCE_LABEL = {
	default: 'Built in',
	folder: 'Models folder',
	linked: 'Linked file'
} as const;
