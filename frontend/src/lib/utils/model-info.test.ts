import { describe, expect, it } from 'vitest';
import { modelInfo } from '$lib/testing/fixtures';
import { modelSlug, removeBlockedReason } from './model-info';

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
