import './markdown.css';
import { BlockSplitter } from './blocks';
import { RenderCache, hashText } from './cache';
import { renderMarkdown } from './render';

export interface RenderedBlock {
	key: string;
	html: string;
}

/** Finished blocks in fixed-size groups, so the DOM parent never holds more than a few dozen children. */
export interface RenderedGroup {
	key: string;
	blocks: RenderedBlock[];
}

export interface MarkdownView {
	groups: RenderedGroup[];
	tail: string;
}

export const GROUP_SIZE = 32;

/**
 * The text a streaming message gained from `offset` up to `length` (its text's length now),
 * or null: then the renderer reads it from the text itself.
 */
export type GainedText = (offset: number, length: number) => string | null;

const sharedCache = new RenderCache();

/**
 * Renders a message whose text only grows while it streams. Finished blocks are rendered
 * once (cached by content hash) and collected into groups of GROUP_SIZE; a full group never
 * changes again, so the work per update does not grow with the length of the message.
 * Only the tail (the block still being written) is rendered again on each update.
 */
export class StreamingMarkdown {
	private splitter = new BlockSplitter();
	private sealed: RenderedGroup[] = [];
	private open: RenderedBlock[] = [];
	private blockCount = 0;
	private generation = 0;
	private lastKey = '';
	private view: MarkdownView = { groups: [], tail: '' };

	constructor(private readonly cache: RenderCache = sharedCache) {}

	private extends(content: string): boolean {
		const { length, recent } = this.splitter;
		if (content.length < length) return false;
		return content.slice(length - recent.length, length) === recent;
	}

	private reset(): void {
		this.splitter = new BlockSplitter();
		this.sealed = [];
		this.open = [];
		this.blockCount = 0;
		this.generation += 1;
	}

	private renderBlock(text: string, id: string): RenderedBlock {
		const hash = hashText(text);
		return {
			key: `${this.generation}:${id}:${hash}`,
			html: this.cache.get(hash, () => renderMarkdown(text))
		};
	}

	private groupKey(index: number): string {
		return `${this.generation}:g${index}`;
	}

	private addFinished(): void {
		const finished = this.splitter.finished;
		for (; this.blockCount < finished.length; this.blockCount += 1) {
			this.open.push(
				this.renderBlock(finished[this.blockCount] as string, String(this.blockCount))
			);
			if (this.open.length === GROUP_SIZE) {
				this.sealed.push({ key: this.groupKey(this.sealed.length), blocks: this.open });
				this.open = [];
			}
		}
	}

	/**
	 * The view of `content`. While it streams, `gained` hands over the new text, so the whole
	 * text is not read (each read of a string grown by `+=` copies all of it, see StreamGains).
	 */
	update(content: string, streaming: boolean, gained?: GainedText): MarkdownView {
		const key = `${content.length}:${streaming}`;
		if (key === this.lastKey && content.length === this.splitter.length) return this.view;
		const delta = streaming ? (gained?.(this.splitter.length, content.length) ?? null) : null;
		if (delta !== null) this.splitter.append(delta);
		else {
			if (!this.extends(content)) this.reset();
			this.splitter.append(content.slice(this.splitter.length));
		}
		this.addFinished();
		const tailText = this.splitter.tail;
		const hasTail = tailText.trim() !== '';
		const last = [...this.open];
		if (hasTail && !streaming) last.push(this.renderBlock(tailText, 'tail'));
		const groups =
			last.length > 0
				? [...this.sealed, { key: this.groupKey(this.sealed.length), blocks: last }]
				: this.sealed.slice();
		this.lastKey = key;
		this.view = { groups, tail: hasTail && streaming ? renderMarkdown(tailText, true) : '' };
		return this.view;
	}
}
