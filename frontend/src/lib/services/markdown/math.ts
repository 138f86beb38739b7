import katex from 'katex';
import type { MarkedExtension, Tokens } from 'marked';

interface MathToken extends Tokens.Generic {
	text: string;
	display: boolean;
}

function renderMath(text: string, display: boolean): string {
	return katex.renderToString(text, { displayMode: display, throwOnError: false, output: 'html' });
}

/** `$inline$` and `$$display$$` math rendered with KaTeX. */
export const mathExtension: MarkedExtension = {
	extensions: [
		{
			name: 'blockMath',
			level: 'block',
			start: (source: string) => source.indexOf('$$'),
			tokenizer(source: string) {
				const match = /^\$\$([\s\S]+?)\$\$(?:\n|$)/.exec(source);
				if (!match) return undefined;
				return { type: 'blockMath', raw: match[0], text: (match[1] ?? '').trim(), display: true };
			},
			renderer: (token) => `${renderMath((token as MathToken).text, true)}\n`
		},
		{
			name: 'inlineMath',
			level: 'inline',
			start: (source: string) => source.indexOf('$'),
			tokenizer(source: string) {
				const match = /^\$(?!\s)([^$\n]+?)(?<!\s)\$(?!\d)/.exec(source);
				if (!match) return undefined;
				return { type: 'inlineMath', raw: match[0], text: match[1] ?? '', display: false };
			},
			renderer: (token) => renderMath((token as MathToken).text, false)
		}
	]
};
