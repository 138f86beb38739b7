import { Marked, type Token, type Tokens } from 'marked';
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
 * Token types whose markup is fixed tags around escaped text: marked's renderers escape
 * text, code spans and attribute values, raw HTML is shown as escaped text (the `html`
 * renderer above) and code blocks are built by codeBlock (highlight.js escapes the code).
 * Links and images (their URLs), math (KaTeX's markup), task-list checkboxes (DOMPurify drops
 * inputs) and any token not listed here are not.
 */
const ESCAPED_ONLY = new Set<string>([
	'space',
	'paragraph',
	'text',
	'heading',
	'hr',
	'blockquote',
	'list',
	'list_item',
	'table',
	'code',
	'codespan',
	'strong',
	'em',
	'del',
	'br',
	'escape',
	'html',
	'def'
]);

/**
 * Whether the HTML of these tokens needs DOMPurify: false when every token, nested ones
 * included, is of a type in ESCAPED_ONLY, for which DOMPurify would change nothing
 * (render.test.ts checks that). Most blocks of an answer are such (prose, lists, tables,
 * code), and DOMPurify, which parses each piece into a new document, was the largest cost
 * and allocator of a streaming update.
 */
export function needsSanitizer(tokens: Token[]): boolean {
	let needed = false;
	finalMarked.walkTokens(tokens, (token) => {
		if (!ESCAPED_ONLY.has(token.type)) needed = true;
	});
	return needed;
}

/**
 * Markdown (GFM + math) to safe HTML. Raw HTML in the source is shown as text.
 * `draft` skips syntax highlighting, for the block still being streamed; a draft that is
 * one open code fence skips the parser too: its markup is built from escaped text only
 * (see codeBlock), the same markup the parser would produce. HTML with links, images, math
 * or task lists goes through DOMPurify (see needsSanitizer).
 */
export function renderMarkdown(source: string, draft = false): string {
	const fence = draft ? openFence(source) : null;
	if (fence) return codeBlock(fence.code, fence.language, false);
	const marked = draft ? draftMarked : finalMarked;
	const tokens = marked.lexer(source);
	const html = marked.parser(tokens);
	return needsSanitizer(tokens) ? sanitizeHtml(html) : html;
}
