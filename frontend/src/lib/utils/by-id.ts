/** `list` with `item` in place of the entry with its id, or at the end if none has it. */
export function withItem<T extends { id: string }>(list: readonly T[], item: T): T[] {
	const index = list.findIndex((entry) => entry.id === item.id);
	return index === -1 ? [...list, item] : list.map((entry, at) => (at === index ? item : entry));
}
