export type ThemePreference = 'system' | 'light' | 'dark';

/** A JSON-schema property as the settings form reads it. */
export interface SchemaProperty {
	type?: string | string[];
	title?: string;
	description?: string;
	enum?: unknown[];
	default?: unknown;
	minimum?: number;
	maximum?: number;
	properties?: Record<string, SchemaProperty>;
	anyOf?: SchemaProperty[];
	items?: SchemaProperty;
	$ref?: string;
	$defs?: Record<string, SchemaProperty>;
}

/** One editable leaf of the settings form, addressed by its dotted path. */
export interface SettingsField {
	path: string;
	label: string;
	description: string;
	kind: 'boolean' | 'number' | 'integer' | 'string' | 'enum' | 'list';
	options: string[];
	nullable: boolean;
	minimum?: number;
	maximum?: number;
}

export interface SettingsSection {
	key: string;
	title: string;
	description: string;
	fields: SettingsField[];
}

/** One RPC worker as the settings hold it (`rpc.workers`). */
export interface RpcWorker {
	address: string;
	enabled: boolean;
}
