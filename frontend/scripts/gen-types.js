/**
 * Compiles contract/bridge.schema.json (written by the backend) into src/lib/types/bridge.ts.
 * Deterministic: same schema in, same file out (formatted with the project's Prettier config).
 */
import { compile } from 'json-schema-to-typescript';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';

const root = fileURLToPath(new URL('..', import.meta.url));
const schemaPath = `${root}contract/bridge.schema.json`;
const outPath = `${root}src/lib/types/bridge.ts`;

const BANNER = `/**
 * GENERATED FILE, DO NOT EDIT.
 * Source: frontend/contract/bridge.schema.json
 * Regenerate with: npm -w frontend run gen:types
 */`;

/**
 * The definitions that are some command's `params`: what the page sends, read off the schema's
 * `Commands` (each `<Name>Command` has `params` and `result`), so no naming rule is needed.
 *
 * @param {Record<string, import('json-schema-to-typescript').JSONSchema>} defs
 * @returns {Set<string>}
 */
function commandParams(defs) {
	const names = new Set();
	for (const command of Object.values(defs.Commands?.properties ?? {})) {
		const def = defs[String(command.$ref).replace('#/$defs/', '')];
		const params = def?.properties?.params?.$ref;
		if (params) names.add(String(params).replace('#/$defs/', ''));
	}
	return names;
}

/**
 * Property titles would become one alias type per field (`Title1`, `Content3`, ...): drop them.
 * Pydantic always serialises fields that have defaults, so in output types (every definition
 * except the commands' params) a field with a default is present: mark it required.
 *
 * @param {import('json-schema-to-typescript').JSONSchema} schema
 * @returns {import('json-schema-to-typescript').JSONSchema}
 */
function normalise(schema) {
	/** @type {Record<string, import('json-schema-to-typescript').JSONSchema>} */
	const defs = schema.$defs ?? {};
	const inputs = commandParams(defs);
	for (const [name, def] of Object.entries(defs)) {
		const properties = def.properties ?? {};
		for (const property of Object.values(properties)) delete property.title;
		if (inputs.has(name)) continue;
		const withDefaults = Object.entries(properties)
			.filter(([, property]) => 'default' in property)
			.map(([key]) => key);
		const required = Array.isArray(def.required) ? def.required : [];
		def.required = [...new Set([...required, ...withDefaults])];
	}
	for (const property of Object.values(schema.properties ?? {})) delete property.title;
	return schema;
}

/** The file `gen:types` writes, as a string (the contract test compares it with the checked-in one). */
export async function generateBridgeTypes() {
	const schema = normalise(JSON.parse(readFileSync(schemaPath, 'utf8')));
	const compiled = await compile(schema, 'BridgeContract', {
		bannerComment: BANNER,
		additionalProperties: false,
		unreachableDefinitions: true,
		strictIndexSignatures: true,
		format: false
	});
	const options = (await prettier.resolveConfig(outPath)) ?? {};
	return prettier.format(compiled, { ...options, filepath: outPath });
}

export const BRIDGE_TYPES_PATH = outPath;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	writeFileSync(outPath, await generateBridgeTypes());
	console.log(`wrote ${outPath}`);
}
