// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './render';

/** Inputs that must never produce executable HTML. */
const XSS_CORPUS = [
	'<img src=x onerror=alert(1)>',
	'<script>alert(1)</script>',
	'[click](javascript:alert(1))',
	'[click](JaVaScRiPt:alert(1))',
	'<svg onload=alert(1)><circle r="1"/></svg>',
	'<a href="javascript:alert(1)">x</a>',
	'<iframe src="javascript:alert(1)"></iframe>',
	'![x](javascript:alert(1))',
	'<div style="background:url(javascript:alert(1))">x</div>',
	'<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
	'<details open ontoggle=alert(1)>',
	'<a href="data:text/html,<script>alert(1)</script>">x</a>',
	'```\n</code></pre><img src=x onerror=alert(1)>\n```',
	'$\\href{javascript:alert(1)}{x}$',
	'<form action="javascript:alert(1)"><button>x</button></form>'
];

function executable(html: string): string[] {
	const container = document.createElement('div');
	container.innerHTML = html;
	const problems: string[] = [];
	for (const element of container.querySelectorAll('*')) {
		const tag = element.tagName.toLowerCase();
		if (['script', 'iframe', 'object', 'embed', 'form', 'style'].includes(tag)) problems.push(tag);
		for (const attribute of element.attributes) {
			const value = attribute.value.replace(/\s/g, '').toLowerCase();
			if (attribute.name.startsWith('on')) problems.push(`${tag}[${attribute.name}]`);
			if (/^(javascript|vbscript|data:text\/html)/.test(value))
				problems.push(`${tag}[${attribute.name}]=${value}`);
			if (value.includes('javascript:')) problems.push(`${tag}[${attribute.name}] has javascript:`);
		}
	}
	return problems;
}

describe('renderMarkdown', () => {
	it.each(XSS_CORPUS)('never produces executable HTML for %s', (input) => {
		expect(executable(renderMarkdown(input))).toEqual([]);
		expect(executable(renderMarkdown(input, true))).toEqual([]);
	});

	it.each(XSS_CORPUS)('never produces executable HTML in an open code fence: %s', (input) => {
		expect(executable(renderMarkdown(`\`\`\`js\n${input}\n`, true))).toEqual([]);
		expect(executable(renderMarkdown(`~~~\n${input}`, true))).toEqual([]);
	});

	it('shows raw HTML as text', () => {
		const html = renderMarkdown('<b>bold</b>');
		expect(html).toContain('&lt;b&gt;');
	});

	it('renders GFM tables', () => {
		const html = renderMarkdown('| a | b |\n| - | - |\n| 1 | 2 |');
		expect(html).toContain('<table>');
		expect(html).toContain('<td>1</td>');
	});

	it('highlights code and adds a copy button', () => {
		const html = renderMarkdown('```python\ndef f():\n    return 1\n```');
		expect(html).toContain('hljs-keyword');
		expect(html).toContain('data-copy-code');
	});

	it('leaves draft code unhighlighted but escaped', () => {
		const html = renderMarkdown('```python\nx = "<b>"\n', true);
		expect(html).not.toContain('hljs-string');
		expect(html).toContain('&lt;b&gt;');
	});

	it('renders inline and display math with KaTeX', () => {
		expect(renderMarkdown('Euler: $e^{i\\pi}+1=0$')).toContain('class="katex"');
		expect(renderMarkdown('$$\n\\int_0^1 x\\,dx\n$$')).toContain('katex-display');
	});

	it('does not treat prices as math', () => {
		expect(renderMarkdown('It costs $5 and $10.')).not.toContain('katex');
	});

	it('opens links in a new window without an opener', () => {
		const html = renderMarkdown('[site](https://example.com)');
		expect(html).toContain('target="_blank"');
		expect(html).toContain('rel="noopener noreferrer"');
	});
});
