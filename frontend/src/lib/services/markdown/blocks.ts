const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const MATH_FENCE = '$$';

/**
 * Splits growing markdown into top-level blocks at blank lines outside code fences and
 * `$$` math. Finished blocks never change again, so they can be rendered once and cached;
 * only the tail (the block still being written) is re-rendered. Appending scans only the
 * new text, so the cost of an update does not grow with the length of the message.
 */
export class BlockSplitter {
	private text = '';
	private blockStart = 0;
	private scanned = 0;
	private fence: string | null = null;
	private inMath = false;
	readonly finished: string[] = [];

	get source(): string {
		return this.text;
	}

	/** The unfinished last block (may be empty). */
	get tail(): string {
		return this.text.slice(this.blockStart);
	}

	append(delta: string): void {
		this.text += delta;
		for (;;) {
			const end = this.text.indexOf('\n', this.scanned);
			if (end < 0) return;
			this.scanLine(this.text.slice(this.scanned, end), end + 1);
			this.scanned = end + 1;
		}
	}

	private scanLine(line: string, next: number): void {
		const trimmed = line.trim();
		if (this.fence) {
			if (trimmed.startsWith(this.fence) && trimmed.replace(/[`~]/g, '') === '') this.fence = null;
			return;
		}
		if (this.inMath) {
			if (trimmed.endsWith(MATH_FENCE)) this.inMath = false;
			return;
		}
		const fence = FENCE.exec(line);
		if (fence) {
			this.fence = fence[1] ?? null;
			return;
		}
		if (trimmed.startsWith(MATH_FENCE)) {
			this.inMath = trimmed.length === MATH_FENCE.length || !trimmed.slice(2).endsWith(MATH_FENCE);
			return;
		}
		if (trimmed === '') {
			const block = this.text.slice(this.blockStart, next);
			if (block.trim() !== '') this.finished.push(block);
			this.blockStart = next;
		}
	}
}

/** Split a complete document: every block, tail included, is final. */
export function splitBlocks(text: string): string[] {
	const splitter = new BlockSplitter();
	splitter.append(text);
	const tail = splitter.tail;
	return tail.trim() === '' ? [...splitter.finished] : [...splitter.finished, tail];
}
