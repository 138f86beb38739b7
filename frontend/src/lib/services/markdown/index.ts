// Only the loader: the renderer itself is fetched on demand (see load.ts).
export {
	loadMarkdown,
	loadedMarkdown,
	plainParagraphs,
	preloadMarkdown,
	type MarkdownEngine
} from './load';
export type { GainedText, MarkdownView, RenderedBlock } from './streaming';
