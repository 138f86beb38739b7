const LIMIT = 2000;

/** FNV-1a: a fast, stable hash for cache keys (collisions are guarded by length). */
export function hashText(text: string): string {
	let hash = 0x811c9dc5;
	for (let index = 0; index < text.length; index += 1) {
		hash ^= text.charCodeAt(index);
		hash = Math.imul(hash, 0x01000193);
	}
	return `${(hash >>> 0).toString(36)}:${text.length}`;
}

/** Rendered HTML of finished blocks, by content hash; oldest entries leave first. */
export class RenderCache {
	private entries = new Map<string, string>();

	constructor(private readonly limit = LIMIT) {}

	get(key: string, render: () => string): string {
		const hit = this.entries.get(key);
		if (hit !== undefined) return hit;
		const html = render();
		this.entries.set(key, html);
		if (this.entries.size > this.limit) {
			const oldest = this.entries.keys().next().value;
			if (oldest !== undefined) this.entries.delete(oldest);
		}
		return html;
	}

	get size(): number {
		return this.entries.size;
	}
}
