import { describe, expect, it } from 'vitest';
import { withItem } from './by-id';

describe('withItem', () => {
	const list = [
		{ id: 'a', n: 1 },
		{ id: 'b', n: 2 }
	];

	it('replaces the entry with the same id in place', () => {
		expect(withItem(list, { id: 'a', n: 3 })).toEqual([
			{ id: 'a', n: 3 },
			{ id: 'b', n: 2 }
		]);
	});

	it('adds an item with a new id at the end, leaving the list as it was', () => {
		expect(withItem(list, { id: 'c', n: 4 }).map((entry) => entry.id)).toEqual(['a', 'b', 'c']);
		expect(list).toHaveLength(2);
	});
});
