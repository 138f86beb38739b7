// @vitest-environment jsdom
import { Marked } from 'marked';
import { describe, expect, it, vi } from 'vitest';
import { mathExtension } from './math';
import { needsSanitizer, renderMarkdown } from './render';
import * as sanitize from './sanitize';

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

/** Blocks of every kind that needs no DOMPurify, written to stress escaping. */
const ESCAPED_ONLY_CORPUS = [
	'## Heading with *emphasis*, `code` & "quotes"',
	'Paragraph with **strong**, ~~deleted~~, `a < b && c > "d"`, 5 > 3 & \\*not em\\*.',
	'Line one  \nline two',
	'1. first\n2. second with `code`\n   - nested <b>raw</b>\n3. third',
	'3. starts at three\n4. four',
	'> quoted **text**\n> > nested <script>alert(1)</script>',
	'| Left | Centre | Right |\n| :--- | :----: | ----: |\n| a \\| b | `c|d` | <i>e</i> |',
	'```ts\nconst html = "<img src=x onerror=alert(1)>";\n```',
	'```\n</code></pre><script>alert(1)</script>\n```',
	'<div onclick="alert(1)">block html</div>',
	'inline <img src=x onerror=alert(1)> html and &amp; &copy; &#x3C; entities',
	'***\n\n---',
	'[ref]: https://example.com "title"\n\nno link used',
	"it's javascript:alert(1) as plain text"
];

function normalised(html: string): string {
	const template = document.createElement('template');
	template.innerHTML = html;
	return template.innerHTML;
}

/** Lexes as renderMarkdown does (GFM and the math extension). */
const lexer = new Marked({ gfm: true }).use(mathExtension);

describe('needsSanitizer', () => {
	it.each(ESCAPED_ONLY_CORPUS)('is false for escaped-only markup: %s', (source) => {
		expect(needsSanitizer(lexer.lexer(source))).toBe(false);
	});

	it.each([
		'[site](https://example.com)',
		'see <https://example.com>',
		'![x](https://example.com/a.png)',
		'- [x] done\n- [ ] to do',
		'Euler: $e^{i\\pi}+1=0$',
		'| a |\n| - |\n| [x](javascript:alert(1)) |'
	])('is true for links, images, task lists and math: %s', (source) => {
		expect(needsSanitizer(lexer.lexer(source))).toBe(true);
	});
});

describe('renderMarkdown without DOMPurify', () => {
	it.each(ESCAPED_ONLY_CORPUS)('gives what DOMPurify would keep: %s', (source) => {
		for (const draft of [false, true]) {
			const html = renderMarkdown(source, draft);
			expect(normalised(sanitize.sanitizeHtml(html))).toBe(normalised(html));
			expect(executable(html)).toEqual([]);
		}
	});

	it('calls DOMPurify only for markup that needs it', () => {
		const spy = vi.spyOn(sanitize, 'sanitizeHtml');
		renderMarkdown('Plain **prose** with `code`.');
		expect(spy).not.toHaveBeenCalled();
		renderMarkdown('A [link](https://example.com).');
		expect(spy).toHaveBeenCalledTimes(1);
		spy.mockRestore();
	});
});
