import hljs from 'highlight.js/lib/common';
import { Marked, type Tokens } from 'marked';
import { mathExtension } from './math';
import { sanitizeHtml } from './sanitize';

const COPY_ATTRIBUTE = 'data-copy-code';

function escapeHtml(text: string): string {
	return text
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&#39;');
}

function highlight(code: string, language: string): string {
	if (language && hljs.getLanguage(language)) {
		return hljs.highlight(code, { language, ignoreIllegals: true }).value;
	}
	return escapeHtml(code);
}

function codeBlock(code: string, language: string, highlighted: boolean): string {
	const body = highlighted ? highlight(code, language) : escapeHtml(code);
	const label = escapeHtml(language || 'text');
	return (
		`<div class="code-block"><div class="code-block-header"><span>${label}</span>` +
		`<button type="button" ${COPY_ATTRIBUTE} aria-label="Copy code">Copy</button></div>` +
		`<pre><code class="hljs language-${label}">${body}</code></pre></div>\n`
	);
}

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
 * `draft` skips syntax highlighting, for the block still being streamed.
 */
export function renderMarkdown(source: string, draft = false): string {
	const marked = draft ? draftMarked : finalMarked;
	return sanitizeHtml(marked.parse(source) as string);
}

export { COPY_ATTRIBUTE };
