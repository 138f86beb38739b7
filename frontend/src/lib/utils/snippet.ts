/** The backend's FTS5 `snippet()` wraps each match in this marker. */
export const SNIPPET_MARK = '**';

export interface SnippetPart {
	text: string;
	match: boolean;
}

/** Split a search snippet into plain text and highlighted matches (rendered as text, never HTML). */
export function splitSnippet(snippet: string): SnippetPart[] {
	return snippet
		.split(SNIPPET_MARK)
		.map((text, index) => ({ text, match: index % 2 === 1 }))
		.filter((part) => part.text !== '');
}
