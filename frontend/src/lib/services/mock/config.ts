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

/** pydantic's words (strict mode: JSON types) for a value of the wrong type, or null. */
function typeProblem(schema: SchemaProperty, value: unknown): string | null {
	if (schema.anyOf) {
		if (value === null && schema.anyOf.some((option) => option.type === 'null')) return null;
		const other = schema.anyOf.find((option) => option.type !== 'null');
		return other ? typeProblem(other, value) : null;
	}
	if (schema.enum) {
		if (schema.enum.includes(value)) return null;
		const quoted = schema.enum.map((option) => `'${String(option)}'`);
		return `Input should be ${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
	}
	switch (schema.type) {
		case 'boolean':
			return typeof value === 'boolean' ? null : 'Input should be a valid boolean';
		case 'integer':
			return Number.isInteger(value) ? null : 'Input should be a valid integer';
		case 'number':
			return typeof value === 'number' && Number.isFinite(value)
				? null
				: 'Input should be a valid number';
		case 'string':
			return typeof value === 'string' ? null : 'Input should be a valid string';
		case 'array':
			return Array.isArray(value) ? null : 'Input should be a valid list';
		default:
			return null;
	}
}

/** pydantic's words for a value out of its bounds, or null. */
function boundsProblem(schema: SchemaProperty, value: unknown): string | null {
	const bounds = (schema.anyOf?.find((option) => option.type !== 'null') ??
		schema) as SchemaProperty & {
		exclusiveMinimum?: number;
		minLength?: number;
		maxLength?: number;
	};
	if (typeof value === 'number') {
		if (bounds.minimum !== undefined && value < bounds.minimum)
			return `Input should be greater than or equal to ${bounds.minimum}`;
		if (bounds.exclusiveMinimum !== undefined && value <= bounds.exclusiveMinimum)
			return `Input should be greater than ${bounds.exclusiveMinimum}`;
		if (bounds.maximum !== undefined && value > bounds.maximum)
			return `Input should be less than or equal to ${bounds.maximum}`;
	}
	if (typeof value === 'string') {
		const plural = (count: number) => `${count} character${count === 1 ? '' : 's'}`;
		if (bounds.minLength !== undefined && value.length < bounds.minLength)
			return `String should have at least ${plural(bounds.minLength)}`;
		if (bounds.maxLength !== undefined && value.length > bounds.maxLength)
			return `String should have at most ${plural(bounds.maxLength)}`;
	}
	return null;
}

/** Where a leaf comes in the settings model (pydantic reports errors in that order). */
function schemaOrder(path: string): number {
	const [section, key] = path.split('.');
	const sections = Object.keys(SCHEMA.properties ?? {});
	const ref = SCHEMA.properties?.[section ?? '']?.$ref?.split('/').pop();
	const fields = Object.keys(SCHEMA.$defs?.[ref ?? '']?.properties ?? {});
	return sections.indexOf(section ?? '') * 1000 + fields.indexOf(key ?? '');
}

/** The update's leaves (`section.field`); a section the settings lack, or no object, stays whole. */
function leaves(update: Record<string, unknown>): [string, unknown][] {
	const result: [string, unknown][] = [];
	for (const [section, fields] of Object.entries(update)) {
		if (!SCHEMA.properties?.[section] || typeof fields !== 'object' || fields === null)
			result.push([section, fields]);
		else
			for (const [key, value] of Object.entries(fields)) result.push([`${section}.${key}`, value]);
	}
	return result;
}

/**
 * The backend's errors for an update, in its order: unknown fields, then locked ones, then
 * invalid values in the settings model's order, each worded as pydantic words it.
 */
function problems(pairs: [string, unknown][]): BridgeFieldError[] {
	const unknown = pairs.filter(([path]) => !leafSchema(path));
	const locked = pairs.filter(([path]) => leafSchema(path) && MOCK_LOCKED.includes(path));
	const invalid = pairs
		.filter(([path]) => leafSchema(path) && !MOCK_LOCKED.includes(path))
		.map(([path, value]) => {
			const schema = leafSchema(path) as SchemaProperty;
			return { field: path, message: typeProblem(schema, value) ?? boundsProblem(schema, value) };
		})
		.filter((error): error is BridgeFieldError => error.message !== null)
		.sort((a, b) => schemaOrder(a.field) - schemaOrder(b.field));
	return [
		...unknown.map(([path]) => ({
			field: path,
			message: SCHEMA.properties?.[path] ? 'expected an object of settings' : 'unknown setting'
		})),
		...locked.map(([path]) => ({ field: path, message: 'locked: set by an environment variable' })),
		...invalid
	];
}

/** Validate a partial nested update; apply it only when every field is valid. */
export function applyMockConfig(
	values: Values,
	update: Record<string, unknown>
): { errors: BridgeFieldError[]; result: SaveConfigResult } {
	const pairs = leaves(update);
	const errors = problems(pairs);
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
