const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const MATH_FENCE = '$$';
const RECENT_LENGTH = 32;

/**
 * Splits growing markdown into top-level blocks at blank lines outside code fences and
 * `$$` math. Finished blocks never change again, so they can be rendered once and cached;
 * only the tail (the block still being written) is re-rendered. Appending scans only the
 * new text and the splitter keeps only the unfinished block, so neither the cost of an
 * update nor the memory it copies grows with the length of the message.
 */
export class BlockSplitter {
	/** The unfinished block: text before it was handed out in `finished` and dropped. */
	private text = '';
	private dropped = 0;
	private scanned = 0;
	private fence: string | null = null;
	private inMath = false;
	private last = '';
	readonly finished: string[] = [];

	/** Length of all text appended so far. */
	get length(): number {
		return this.dropped + this.text.length;
	}

	/** The last RECENT_LENGTH characters appended (to check that new text extends the old). */
	get recent(): string {
		return this.last;
	}

	/** The unfinished last block (may be empty). */
	get tail(): string {
		return this.text;
	}

	append(delta: string): void {
		this.text += delta;
		this.last = (this.last + delta).slice(-RECENT_LENGTH);
		for (;;) {
			const end = this.text.indexOf('\n', this.scanned);
			if (end < 0) return;
			const line = this.text.slice(this.scanned, end);
			this.scanned = end + 1;
			if (this.endsBlock(line)) this.finishBlock();
		}
	}

	private finishBlock(): void {
		const block = this.text.slice(0, this.scanned);
		if (block.trim() !== '') this.finished.push(block);
		this.text = this.text.slice(this.scanned);
		this.dropped += this.scanned;
		this.scanned = 0;
	}

	/** Tracks fences and math; true for a blank line that ends the block. */
	private endsBlock(line: string): boolean {
		const trimmed = line.trim();
		if (this.fence) {
			if (trimmed.startsWith(this.fence) && trimmed.replace(/[`~]/g, '') === '') this.fence = null;
			return false;
		}
		if (this.inMath) {
			if (trimmed.endsWith(MATH_FENCE)) this.inMath = false;
			return false;
		}
		const fence = FENCE.exec(line);
		if (fence) {
			this.fence = fence[1] ?? null;
			return false;
		}
		if (trimmed.startsWith(MATH_FENCE)) {
			this.inMath = trimmed.length === MATH_FENCE.length || !trimmed.slice(2).endsWith(MATH_FENCE);
			return false;
		}
		return trimmed === '';
	}
}

/** Split a complete document: every block, tail included, is final. */
export function splitBlocks(text: string): string[] {
	const splitter = new BlockSplitter();
	splitter.append(text);
	const tail = splitter.tail;
	return tail.trim() === '' ? [...splitter.finished] : [...splitter.finished, tail];
}
