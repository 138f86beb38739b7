import { describe, expect, it } from 'vitest';
import { modelInfo } from '$lib/testing/fixtures';
import {
	fileName,
	imagesBlockedReason,
	modelSlug,
	modelVision,
	removeBlockedReason
} from './model-info';
import { MOCK_SERVER_DEFAULTS } from '$lib/services/mock/server';

describe('removeBlockedReason', () => {
	it('refuses the built-in, the selected and any loaded model, with the reason', () => {
		expect(removeBlockedReason(modelInfo('a', { is_default: true }))).toMatch('built-in');
		expect(removeBlockedReason(modelInfo('a', { selected: true }))).toMatch('in use');
		expect(removeBlockedReason(modelInfo('a', { load_state: 'loaded' }))).toMatch('unload it');
		expect(removeBlockedReason(modelInfo('a', { load_state: 'loading' }))).toMatch('unload it');
	});

	it('allows an unloaded or failed model', () => {
		expect(removeBlockedReason(modelInfo('a'))).toBeNull();
		expect(removeBlockedReason(modelInfo('a', { load_state: 'failed' }))).toBeNull();
	});
});

describe('modelSlug', () => {
	it('keeps only characters that are safe in element ids', () => {
		expect(modelSlug(modelInfo('qwen2.5 7b/x'))).toBe('qwen257bx');
	});
});

describe('modelVision', () => {
	const projector = '/models/gemma/mmproj-gemma-3-4b-it-f16.gguf';
	const sees = { ...MOCK_SERVER_DEFAULTS, vision: true };

	it("takes the server's word for the loaded, selected model", () => {
		const loaded = { selected: true, load_state: 'loaded' as const };
		expect(modelVision(modelInfo('a', { ...loaded, projector }), sees)).toBe('yes');
		expect(modelVision(modelInfo('a', loaded), MOCK_SERVER_DEFAULTS)).toBe('no');
		expect(modelVision(modelInfo('a', loaded), sees)).toBe('yes');
	});

	it('expects vision from a projector until the server can say', () => {
		expect(modelVision(modelInfo('a', { projector }), sees)).toBe('projector');
		const starting = { selected: true, load_state: 'loading' as const, projector };
		expect(modelVision(modelInfo('a', starting), MOCK_SERVER_DEFAULTS)).toBe('projector');
		expect(modelVision(modelInfo('a', { projector }), null)).toBe('projector');
		expect(modelVision(modelInfo('a'), null)).toBe('no');
	});

	it('names a file by the end of its path', () => {
		expect(fileName(projector)).toBe('mmproj-gemma-3-4b-it-f16.gguf');
		expect(fileName('C:\\models\\mmproj.gguf')).toBe('mmproj.gguf');
	});
});

describe('imagesBlockedReason', () => {
	const projector = '/models/gemma/mmproj-gemma-3-4b-it-f16.gguf';
	const loaded = { selected: true, load_state: 'loaded' as const };

	it('blocks images for a model that cannot see, with the reason', () => {
		const blind = imagesBlockedReason(modelInfo('a', loaded), MOCK_SERVER_DEFAULTS);
		expect(blind).toMatch(/^The selected model cannot see images: it loads without a vision/);
		expect(imagesBlockedReason(modelInfo('a'), null)).toBe(blind);
		expect(imagesBlockedReason(null, MOCK_SERVER_DEFAULTS)).toBe(blind);
	});

	it('allows them for a model that sees or would load with a projector, or when nobody knows', () => {
		const sees = { ...MOCK_SERVER_DEFAULTS, vision: true };
		expect(imagesBlockedReason(modelInfo('a', { ...loaded, projector }), sees)).toBeNull();
		expect(imagesBlockedReason(modelInfo('a', { projector }), null)).toBeNull();
		expect(imagesBlockedReason(null, sees)).toBeNull();
		expect(imagesBlockedReason(null, null)).toBeNull();
	});
});
