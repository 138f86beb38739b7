import type { SearchHit } from '$lib/types';
import { SNIPPET_MARK } from '$lib/utils/snippet';
import type { MockTree } from './tree';

const SNIPPET_RADIUS = 30;

function snippet(text: string, index: number, length: number): string {
	const start = Math.max(0, index - SNIPPET_RADIUS);
	const end = Math.min(text.length, index + length + SNIPPET_RADIUS);
	const match = text.slice(index, index + length);
	const prefix = start > 0 ? '…' : '';
	const suffix = end < text.length ? '…' : '';
	return `${prefix}${text.slice(start, index)}${SNIPPET_MARK}${match}${SNIPPET_MARK}${text.slice(index + length, end)}${suffix}`;
}

/** Case-insensitive substring search over titles and messages; matches wrapped like FTS5 does. */
export function searchMessages(tree: MockTree, query: string, limit: number): SearchHit[] {
	const needle = query.trim().toLowerCase();
	if (!needle) return [];
	const hits: SearchHit[] = [];
	for (const summary of tree.summaries()) {
		const index = summary.title.toLowerCase().indexOf(needle);
		if (index >= 0) {
			hits.push({
				conversation_id: summary.id,
				message_id: null,
				title: summary.title,
				snippet: snippet(summary.title, index, needle.length),
				rank: 0
			});
		}
	}
	for (const message of tree.allMessages()) {
		const index = message.content.toLowerCase().indexOf(needle);
		const title = tree.summary(message.conversation_id)?.title ?? '';
		if (index >= 0) {
			hits.push({
				conversation_id: message.conversation_id,
				message_id: message.id,
				title,
				snippet: snippet(message.content, index, needle.length),
				rank: 1
			});
		}
	}
	return hits.slice(0, limit);
}
