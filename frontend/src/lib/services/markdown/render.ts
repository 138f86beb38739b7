import { Marked, type Tokens } from 'marked';
import { codeBlock, escapeHtml } from './code';
import { openFence } from './draft';
import { mathExtension } from './math';
import { sanitizeHtml } from './sanitize';

function createMarked(highlighted: boolean): Marked {
	const marked = new Marked({ gfm: true, breaks: false, async: false });
	marked.use(mathExtension, {
		renderer: {
			code: ({ text, lang }: Tokens.Code) =>
				codeBlock(text, (lang ?? '').split(/\s/)[0] ?? '', highlighted),
			html: ({ text }: Tokens.HTML | Tokens.Tag) => escapeHtml(text)
		}
	});
	return marked;
}

const finalMarked = createMarked(true);
const draftMarked = createMarked(false);

/**
 * Markdown (GFM + math) to sanitised HTML. Raw HTML in the source is shown as text.
 * `draft` skips syntax highlighting, for the block still being streamed; a draft that is
 * one open code fence skips the parser and DOMPurify too: its markup is built from
 * escaped text only (see codeBlock), the same markup the parser would produce.
 */
export function renderMarkdown(source: string, draft = false): string {
	const fence = draft ? openFence(source) : null;
	if (fence) return codeBlock(fence.code, fence.language, false);
	const marked = draft ? draftMarked : finalMarked;
	return sanitizeHtml(marked.parse(source) as string);
}
