interface Piece {
	/** Where the piece starts in the message's text (UTF-16 code units). */
	start: number;
	text: string;
}

/**
 * The text each streaming message gained, piece by piece, so its renderer can take what is
 * new without reading the whole text. A message's text grows by `+=`, which V8 keeps as a
 * rope; the first read of a rope's characters (a `slice`, a comparison) copies it whole into
 * one flat string. The renderer read the whole answer that way on every frame: a 20,000-token
 * answer copied ~40 MB while it streamed, and the garbage made the collector pause frames.
 */
export class StreamGains {
	private pieces = new Map<string, Piece[]>();

	/** `text` was appended to the message at `start` (its text's length before). */
	add(messageId: string, start: number, text: string): void {
		const pieces = this.pieces.get(messageId);
		if (pieces) pieces.push({ start, text });
		else this.pieces.set(messageId, [{ start, text }]);
	}

	/**
	 * The text the message gained from `offset` up to `length` (its text's length now), or null
	 * when the pieces held do not cover exactly that (then read the text itself). Pieces wholly
	 * before `offset` are let go: the renderer has them.
	 */
	since(messageId: string, offset: number, length: number): string | null {
		const pieces = this.pieces.get(messageId);
		if (!pieces) return null;
		const taken = pieces.findIndex((piece) => piece.start + piece.text.length > offset);
		pieces.splice(0, taken < 0 ? pieces.length : taken);
		const first = pieces[0];
		if (!first) return offset === length ? '' : null;
		if (first.start > offset) return null;
		let end = first.start;
		for (const piece of pieces) {
			if (piece.start !== end) return null;
			end += piece.text.length;
		}
		if (end !== length) return null;
		return pieces
			.map((piece) => piece.text)
			.join('')
			.slice(offset - first.start);
	}

	/** Forget a message's pieces (its text was replaced, or its stream ended). */
	forget(messageId: string): void {
		this.pieces.delete(messageId);
	}

	/** Forget everything (the messages were replaced by a fresh view). */
	clear(): void {
		this.pieces.clear();
	}
}
