import { describe, expect, it } from 'vitest';
import { StreamGains } from './stream-gains';

describe('StreamGains', () => {
	it('hands over the text gained since an offset, across pieces', () => {
		const gains = new StreamGains();
		gains.add('m', 0, 'Hello');
		gains.add('m', 5, ', wor');
		gains.add('m', 10, 'ld');
		expect(gains.since('m', 3, 12)).toBe('lo, world');
		expect(gains.since('m', 12, 12)).toBe('');
	});

	it('lets go of the pieces before the offset taken', () => {
		const gains = new StreamGains();
		gains.add('m', 0, 'one ');
		gains.add('m', 4, 'two');
		expect(gains.since('m', 4, 7)).toBe('two');
		// "one " is gone: the text from 0 must be read from the message.
		expect(gains.since('m', 0, 7)).toBeNull();
	});

	it('says null when the pieces do not cover the text exactly', () => {
		const gains = new StreamGains();
		expect(gains.since('m', 0, 3)).toBeNull();
		gains.add('m', 10, 'abc');
		// A gap before the pieces (the text was replaced by a fresh view meanwhile).
		expect(gains.since('m', 4, 13)).toBeNull();
		// The text is longer than the pieces reach.
		expect(gains.since('m', 10, 20)).toBeNull();
		gains.add('m', 20, 'x');
		// A gap between two pieces.
		expect(gains.since('m', 10, 21)).toBeNull();
	});

	it('forgets a message, or all of them', () => {
		const gains = new StreamGains();
		gains.add('a', 0, 'aa');
		gains.add('b', 0, 'bb');
		gains.forget('a');
		expect(gains.since('a', 0, 2)).toBeNull();
		expect(gains.since('b', 0, 2)).toBe('bb');
		gains.clear();
		expect(gains.since('b', 0, 2)).toBeNull();
	});
});
