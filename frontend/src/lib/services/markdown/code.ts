import hljs from 'highlight.js/lib/common';
import { COPY_ATTRIBUTE } from '$lib/constants/markdown';

/** Escapes text for HTML element content (what an HTML serialiser escapes there too). */
function escapeText(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
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
	return escapeText(code);
}

/**
 * A code block with a header (language, copy button). Without `highlighted` the code is
 * only escaped, so the markup holds nothing from `code` or `language` but escaped text.
 */
export function codeBlock(code: string, language: string, highlighted: boolean): string {
	const body = highlighted ? highlight(code, language) : escapeText(code);
	const label = escapeHtml(language || 'text');
	return (
		`<div class="code-block"><div class="code-block-header"><span>${label}</span>` +
		`<button type="button" ${COPY_ATTRIBUTE}="" aria-label="Copy code">Copy</button></div>` +
		`<pre><code class="hljs language-${label}">${body}</code></pre></div>\n`
	);
}
