import { describe, expect, it } from 'vitest';
import { FrameBatcher } from './frame-batcher';

describe('FrameBatcher', () => {
	it('merges deltas and applies them once per frame', () => {
		const frames: (() => void)[] = [];
		const applied: [string, string, string][] = [];
		const batcher = new FrameBatcher(
			(id, content, reasoning) => applied.push([id, content, reasoning]),
			(callback) => frames.push(callback)
		);
		batcher.push('m1', 'Hel', '');
		batcher.push('m1', 'lo', 'r');
		batcher.push('m2', 'x', '');
		expect(frames).toHaveLength(1);
		expect(applied).toEqual([]);
		frames[0]?.();
		expect(applied).toEqual([
			['m1', 'Hello', 'r'],
			['m2', 'x', '']
		]);
	});

	it('drops pending deltas on request', () => {
		const applied: string[] = [];
		const batcher = new FrameBatcher(
			(_, content) => applied.push(content),
			() => undefined
		);
		batcher.push('m1', 'a', '');
		batcher.drop();
		batcher.flush();
		expect(applied).toEqual([]);
	});
});
