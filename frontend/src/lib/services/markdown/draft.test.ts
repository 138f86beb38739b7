// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { openFence } from './draft';
import { renderMarkdown } from './render';

const PREFIX = 'x\n\n';
const PREFIX_HTML = '<p>x</p>\n';

/** The same draft through marked and DOMPurify: a leading paragraph keeps openFence out. */
function parsedDraft(source: string): string {
	const html = renderMarkdown(PREFIX + source, true);
	expect(html.startsWith(PREFIX_HTML)).toBe(true);
	return html.slice(PREFIX_HTML.length);
}

describe('openFence', () => {
	it('finds a fence still being written', () => {
		expect(openFence('```py\nprint(1)\n')).toEqual({ language: 'py', code: 'print(1)' });
		expect(openFence('~~~\na\n\nb')).toEqual({ language: '', code: 'a\n\nb' });
	});

	it('leaves closed fences, text before the fence and fancy info strings to the parser', () => {
		expect(openFence('```\na\n```\n')).toBeNull();
		expect(openFence('````\na\n  `````  \nafter')).toBeNull();
		expect(openFence('intro\n```\na\n')).toBeNull();
		expect(openFence('```py title="x"\na\n')).toBeNull();
		expect(openFence('  ```\na\n')).toBeNull();
		expect(openFence('```py')).toBeNull();
	});

	it('keeps lines that only look like a closing fence', () => {
		expect(openFence('````\n```\n')).toEqual({ language: '', code: '```' });
		expect(openFence('```\n~~~\n```js\n')?.code).toBe('~~~\n```js');
	});
});

describe('draft code fences', () => {
	it('render every prefix of a code block as the parser would', () => {
		const block = '```ts\nconst a = "<b>&</b>";\n\n\tlet b = \'x\';\n\n\nc();\n  ``\n';
		for (let end = block.indexOf('\n') + 1; end <= block.length; end += 1) {
			const source = block.slice(0, end);
			expect(renderMarkdown(source, true), JSON.stringify(source)).toBe(parsedDraft(source));
		}
	});

	it.each([
		'```py\n',
		'```\n\n',
		'```py\nprint(1)',
		'```py\nprint(1)\n',
		'```ts\nconst a = "<b>&</b>";\n\n\tlet b = \'x\';\n\n',
		'~~~\n```\nstill code\n',
		'```\n</code></pre><img src=x onerror=alert(1)>\n',
		'```c++\nint main() {}\n'
	])('render as the parser would: %j', (source) => {
		expect(openFence(source)).not.toBeNull();
		expect(renderMarkdown(source, true)).toBe(parsedDraft(source));
	});
});
