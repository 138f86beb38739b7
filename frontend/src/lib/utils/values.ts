/** Read a dotted leaf (`section.key`) from nested settings values. */
export function readLeaf(values: Record<string, unknown> | undefined, path: string): unknown {
	let current: unknown = values;
	for (const part of path.split('.')) {
		if (typeof current !== 'object' || current === null) return undefined;
		current = (current as Record<string, unknown>)[part];
	}
	return current;
}

/** Build a nested partial update from dotted leaves. */
export function nestLeaves(leaves: Record<string, unknown>): Record<string, unknown> {
	const nested: Record<string, Record<string, unknown>> = {};
	for (const [path, value] of Object.entries(leaves)) {
		const [section, key] = path.split('.') as [string, string];
		nested[section] ??= {};
		nested[section][key] = value;
	}
	return nested;
}
