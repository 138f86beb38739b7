/** A fenced code block still being written: its language and its code so far. */
export interface OpenFence {
	language: string;
	code: string;
}

/** An unindented opening fence with a plain info string (anything fancier goes through marked). */
const OPENING = /^(`{3,}|~{3,})([\w+#.-]*)[ \t]*\n/;

/** marked drops a final newline unless a blank line ends the code; the draft does the same. */
const LONE_FINAL_NEWLINE = /[^\n]\n$/;

function closes(line: string, fence: string): boolean {
	const trimmed = line.trimEnd();
	const start = trimmed.length - trimmed.trimStart().length;
	if (start > 3) return false;
	const marker = trimmed.slice(start);
	return marker.length >= fence.length && [...marker].every((char) => char === fence[0]);
}

/**
 * The streaming tail is most often a code block whose closing fence has not arrived yet.
 * This recognises that case (the whole source is one open fence) so the tail can be shown
 * as escaped code without a markdown parse; anything else returns null.
 */
export function openFence(source: string): OpenFence | null {
	const match = OPENING.exec(source);
	if (!match) return null;
	const fence = match[1] ?? '';
	const body = source.slice(match[0].length);
	if (body.split('\n').some((line) => closes(line, fence))) return null;
	return {
		language: match[2] ?? '',
		code: LONE_FINAL_NEWLINE.test(body) ? body.slice(0, -1) : body
	};
}
