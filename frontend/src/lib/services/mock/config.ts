import type { BridgeFieldError, ConfigView, SaveConfigResult } from '$lib/types';
import type { SchemaProperty } from '$lib/types';
import fixture from './settings-fixture.json';

type Values = Record<string, Record<string, unknown>>;
type Schema = SchemaProperty & { $defs?: Record<string, SchemaProperty>; restart?: boolean };

/** A snapshot of the backend's settings schema and defaults (see settings-fixture.json). */
const SCHEMA = fixture.json_schema as Schema;

/** Leaves the mock pretends were set in the environment. */
export const MOCK_LOCKED = ['engine.port'];

export function defaultMockValues(): Values {
	return structuredClone(fixture.values) as Values;
}

function leafSchema(path: string): (SchemaProperty & { restart?: boolean }) | undefined {
	const [section, key] = path.split('.');
	const ref = SCHEMA.properties?.[section ?? '']?.$ref?.split('/').pop();
	return ref ? SCHEMA.$defs?.[ref]?.properties?.[key ?? ''] : undefined;
}

export function mockConfigView(values: Values): ConfigView {
	const sources: ConfigView['sources'] = {};
	for (const [section, fields] of Object.entries(values)) {
		for (const key of Object.keys(fields)) sources[`${section}.${key}`] = 'default';
	}
	for (const path of MOCK_LOCKED) sources[path] = 'env';
	return {
		values: structuredClone(values),
		sources,
		locked: [...MOCK_LOCKED],
		json_schema: SCHEMA as Record<string, unknown>
	};
}

function typeOk(schema: SchemaProperty, value: unknown): boolean {
	if (schema.anyOf) return schema.anyOf.some((option) => typeOk(option, value));
	if (schema.enum) return schema.enum.includes(value);
	switch (schema.type) {
		case 'null':
			return value === null;
		case 'boolean':
			return typeof value === 'boolean';
		case 'integer':
			return Number.isInteger(value);
		case 'number':
			return typeof value === 'number' && Number.isFinite(value);
		case 'string':
			return typeof value === 'string';
		case 'array':
			return Array.isArray(value);
		default:
			return true;
	}
}

function check(path: string, value: unknown): string | null {
	const schema = leafSchema(path);
	if (!schema) return 'Unknown setting.';
	if (MOCK_LOCKED.includes(path)) return 'locked: set by the environment';
	if (!typeOk(schema, value)) return 'Wrong type of value.';
	const bounds = schema.anyOf?.find((option) => option.type !== 'null') ?? schema;
	if (typeof value === 'number') {
		if (bounds.minimum !== undefined && value < bounds.minimum)
			return `Must be at least ${bounds.minimum}.`;
		if (bounds.maximum !== undefined && value > bounds.maximum)
			return `Must be at most ${bounds.maximum}.`;
	}
	return null;
}

function leaves(update: Record<string, unknown>): [string, unknown][] {
	const result: [string, unknown][] = [];
	for (const [section, fields] of Object.entries(update)) {
		if (typeof fields !== 'object' || fields === null) result.push([section, fields]);
		else
			for (const [key, value] of Object.entries(fields)) result.push([`${section}.${key}`, value]);
	}
	return result;
}

/** Validate a partial nested update; apply it only when every field is valid. */
export function applyMockConfig(
	values: Values,
	update: Record<string, unknown>
): { errors: BridgeFieldError[]; result: SaveConfigResult } {
	const pairs = leaves(update);
	const errors: BridgeFieldError[] = [];
	for (const [path, value] of pairs) {
		const problem = check(path, value);
		if (problem) errors.push({ field: path, message: problem });
	}
	const changed: string[] = [];
	if (errors.length === 0) {
		for (const [path, value] of pairs) {
			const [section, key] = path.split('.') as [string, string];
			const fields = values[section] as Record<string, unknown>;
			if (JSON.stringify(fields[key]) !== JSON.stringify(value)) changed.push(path);
			fields[key] = value;
		}
	}
	const restart_required = changed.some((path) => leafSchema(path)?.restart === true);
	return { errors, result: { values: structuredClone(values), changed, restart_required } };
}
