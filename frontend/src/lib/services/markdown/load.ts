/**
 * The markdown renderer (marked, KaTeX, highlight.js, DOMPurify: most of the app's script) is a
 * chunk of its own, fetched the first time a message is shown rather than with the first page,
 * so the sidebar and the form paint without waiting for it. Until it arrives a message shows
 * its plain text (`plainParagraphs`).
 */
import type * as Streaming from './streaming';

export type MarkdownEngine = typeof Streaming;

let loaded: MarkdownEngine | null = null;
let loading: Promise<MarkdownEngine> | null = null;

/** The renderer if it has arrived, else null (a component starts with this, synchronously). */
export function loadedMarkdown(): MarkdownEngine | null {
	return loaded;
}

/**
 * Fetches the renderer once; later calls share the same promise. A failed fetch (the backend
 * went away mid-load) is forgotten, so the next message tries again.
 */
export function loadMarkdown(): Promise<MarkdownEngine> {
	loading ??= import('./streaming').then(
		(engine) => (loaded = engine),
		(error: unknown) => {
			loading = null;
			throw error;
		}
	);
	return loading;
}

/**
 * Starts fetching the renderer as any message is shown (a question before its answer), so an
 * answer's markdown is usually there by its first token. A failure is reported by the
 * MarkdownContent that waits for it.
 */
export function preloadMarkdown(): void {
	loadMarkdown().catch(() => undefined);
}

/**
 * A message's paragraphs (split at blank lines), shown as plain text until the renderer is
 * there: the same paragraphs and margins as the rendered prose, so plain text does not move
 * when it is replaced.
 */
export function plainParagraphs(source: string): string[] {
	return source
		.split(/\n[ \t]*\n/)
		.map((paragraph) => paragraph.trim())
		.filter((paragraph) => paragraph !== '');
}
