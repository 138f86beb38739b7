import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BRIDGE_TYPES_PATH, generateBridgeTypes } from '../../../scripts/gen-types.js';

describe('generated bridge types', () => {
	it('match contract/bridge.schema.json (run `npm -w frontend run gen:types` if not)', async () => {
		expect(readFileSync(BRIDGE_TYPES_PATH, 'utf8')).toBe(await generateBridgeTypes());
		// Generating and formatting the whole contract takes 2-3 s idle and passed vitest's 5 s
		// default on a loaded machine.
	}, 30_000);
});
