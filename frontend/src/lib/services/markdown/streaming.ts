import { BlockSplitter } from './blocks';
import { RenderCache, hashText } from './cache';
import { renderMarkdown } from './render';

export interface RenderedBlock {
	key: string;
	html: string;
}

export interface MarkdownView {
	blocks: RenderedBlock[];
	tail: string;
}

const sharedCache = new RenderCache();
const CHECK_LENGTH = 32;

/**
 * Renders a message whose text only grows while it streams. Finished blocks are rendered
 * once (cached by content hash); only the tail is rendered again on each update.
 */
export class StreamingMarkdown {
	private splitter = new BlockSplitter();
	private rendered: RenderedBlock[] = [];
	private generation = 0;
	private lastKey = '';
	private view: MarkdownView = { blocks: [], tail: '' };

	constructor(private readonly cache: RenderCache = sharedCache) {}

	private extends(content: string): boolean {
		const previous = this.splitter.source;
		if (content.length < previous.length) return false;
		const from = Math.max(0, previous.length - CHECK_LENGTH);
		return content.slice(from, previous.length) === previous.slice(from);
	}

	update(content: string, streaming: boolean): MarkdownView {
		const key = `${content.length}:${streaming}`;
		if (key === this.lastKey && content.length === this.splitter.source.length) return this.view;
		if (!this.extends(content)) {
			this.splitter = new BlockSplitter();
			this.rendered = [];
			this.generation += 1;
		}
		this.splitter.append(content.slice(this.splitter.source.length));
		const finished = this.splitter.finished;
		for (let index = this.rendered.length; index < finished.length; index += 1) {
			const text = finished[index] as string;
			const hash = hashText(text);
			this.rendered.push({
				key: `${this.generation}:${index}:${hash}`,
				html: this.cache.get(hash, () => renderMarkdown(text))
			});
		}
		const tailText = this.splitter.tail;
		let tail = '';
		const blocks = this.rendered.slice();
		if (tailText.trim() !== '') {
			if (streaming) {
				tail = renderMarkdown(tailText, true);
			} else {
				const hash = hashText(tailText);
				blocks.push({
					key: `${this.generation}:tail:${hash}`,
					html: this.cache.get(hash, () => renderMarkdown(tailText))
				});
			}
		}
		this.lastKey = key;
		this.view = { blocks, tail };
		return this.view;
	}
}
