import { describe, expect, it } from 'vitest';
import fixture from '$lib/services/mock/settings-fixture.json';
import type { SchemaProperty } from '$lib/types';
import { buildSections, formatValue, parseInput, serverDefaultPlaceholders } from './settings-form';

const sections = buildSections(fixture.json_schema as SchemaProperty);

function field(path: string) {
	const found = sections.flatMap((section) => section.fields).find((entry) => entry.path === path);
	if (!found) throw new Error(`no field ${path}`);
	return found;
}

describe('buildSections', () => {
	it('makes one section per nested settings model, in schema order', () => {
		expect(sections.map((section) => section.key)).toEqual([
			'engine',
			'generation',
			'appearance',
			'behaviour',
			'tools',
			'attachments'
		]);
	});

	it('reads kinds, bounds, options and help text', () => {
		expect(field('generation.temperature')).toMatchObject({
			kind: 'number',
			minimum: 0,
			maximum: 5
		});
		expect(field('appearance.theme')).toMatchObject({
			kind: 'enum',
			options: ['system', 'light', 'dark']
		});
		expect(field('behaviour.send_on_enter').kind).toBe('boolean');
		expect(field('engine.models_dirs').kind).toBe('list');
		expect(field('engine.model')).toMatchObject({ kind: 'string', nullable: true });
		expect(field('engine.port').description).toContain('port');
	});
});

describe('parseInput / formatValue', () => {
	it('round-trips numbers, nulls and lists', () => {
		expect(parseInput(field('generation.temperature'), '1.5')).toBe(1.5);
		expect(parseInput(field('engine.model'), '  ')).toBeNull();
		expect(parseInput(field('engine.models_dirs'), 'a\n\nb ')).toEqual(['a', 'b']);
		expect(formatValue(field('engine.models_dirs'), ['a', 'b'])).toBe('a\nb');
		expect(formatValue(field('engine.model'), null)).toBe('');
	});

	it('keeps text that is not a number so the backend can reject it', () => {
		expect(parseInput(field('generation.temperature'), 'hot')).toBe('hot');
	});
});

describe('serverDefaultPlaceholders', () => {
	it("names the server's value for each generation field it reports", () => {
		const placeholders = serverDefaultPlaceholders({
			temperature: 0.8,
			top_k: 40,
			top_p: null,
			min_p: null,
			max_tokens: -1,
			repeat_penalty: null,
			seed: null,
			supports_tools: false,
			vision: false
		});
		expect(placeholders).toEqual({
			'generation.temperature': '0.8 (server default)',
			'generation.top_k': '40 (server default)',
			'generation.max_tokens': '-1 (server default)'
		});
		expect(serverDefaultPlaceholders(null)).toEqual({});
	});

	it('applies to fields an empty input leaves unset', () => {
		const temperature = field('generation.temperature');
		expect(temperature.nullable).toBe(true);
		expect(parseInput(temperature, '')).toBeNull();
		expect(parseInput(temperature, '0.3')).toBe(0.3);
	});
});
