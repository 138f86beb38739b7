import { LOCAL_API_SECTION } from '$lib/constants/local-api';
import { RPC_SECTION } from '$lib/constants/rpc';
import type { SchemaProperty, ServerDefaults, SettingsField, SettingsSection } from '$lib/types';

/** The settings section whose empty sampling fields follow the server's defaults. */
const GENERATION = 'generation';

function resolve(root: SchemaProperty, schema: SchemaProperty): SchemaProperty {
	const name = schema.$ref?.split('/').pop();
	return name ? (root.$defs?.[name] ?? schema) : schema;
}

function humanise(key: string): string {
	const words = key.replace(/_s$/, ' (s)').replace(/_/g, ' ');
	return words.charAt(0).toUpperCase() + words.slice(1);
}

function fieldKind(schema: SchemaProperty): SettingsField['kind'] {
	if (schema.enum) return 'enum';
	const type = Array.isArray(schema.type)
		? schema.type.find((entry) => entry !== 'null')
		: schema.type;
	switch (type) {
		case 'boolean':
		case 'integer':
		case 'number':
			return type;
		case 'array':
			return 'list';
		default:
			return 'string';
	}
}

function toField(path: string, key: string, property: SchemaProperty): SettingsField {
	const options = property.anyOf ?? [property];
	const concrete = options.find((option) => option.type !== 'null') ?? property;
	return {
		path,
		label: property.title ?? humanise(key),
		description: property.description ?? '',
		kind: fieldKind({ ...concrete, enum: concrete.enum ?? property.enum }),
		options: (concrete.enum ?? property.enum ?? []).map(String),
		nullable: options.some((option) => option.type === 'null'),
		minimum: concrete.minimum,
		maximum: concrete.maximum
	};
}

/**
 * The settings form, generated from the backend's JSON schema: one section per nested model.
 * The RPC workers' section has its own panel (a list of workers is no form field), and so has
 * the local API (its state, URL and key are no settings).
 */
export function buildSections(root: SchemaProperty): SettingsSection[] {
	const sections: SettingsSection[] = [];
	for (const [key, reference] of Object.entries(root.properties ?? {})) {
		const section = resolve(root, reference);
		if (!section.properties || key === RPC_SECTION || key === LOCAL_API_SECTION) continue;
		sections.push({
			key,
			title: humanise(key),
			description: reference.description ?? section.description ?? '',
			fields: Object.entries(section.properties).map(([name, property]) =>
				toField(`${key}.${name}`, name, property)
			)
		});
	}
	return sections;
}

/** Convert what an input holds back into the value the backend expects. */
export function parseInput(field: SettingsField, raw: string | boolean): unknown {
	if (field.kind === 'boolean') return raw === true;
	const text = String(raw);
	if (field.nullable && text.trim() === '') return null;
	if (field.kind === 'integer' || field.kind === 'number') {
		const number = Number(text);
		return text.trim() === '' || Number.isNaN(number) ? text : number;
	}
	if (field.kind === 'list') {
		return text
			.split('\n')
			.map((line) => line.trim())
			.filter(Boolean);
	}
	return text;
}

/** What an input shows for a stored value. */
export function formatValue(field: SettingsField, value: unknown): string {
	if (value === null || value === undefined) return '';
	if (field.kind === 'list' && Array.isArray(value)) return value.join('\n');
	return String(value);
}

/** Placeholders for empty generation fields: the value llama-server uses for them. */
export function serverDefaultPlaceholders(defaults: ServerDefaults | null): Record<string, string> {
	const placeholders: Record<string, string> = {};
	for (const [key, value] of Object.entries(defaults ?? {})) {
		if (typeof value === 'number')
			placeholders[`${GENERATION}.${key}`] = `${value} (server default)`;
	}
	return placeholders;
}
