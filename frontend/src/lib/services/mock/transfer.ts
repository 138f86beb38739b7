import type { ExportResult, ImportParams, ImportResult, Message } from '$lib/types';
import { MockFailure } from './errors';
import type { MockTree } from './tree';

interface ExportedConversation {
	title: string;
	messages: Pick<Message, 'role' | 'content'>[];
}

export function exportConversations(
	tree: MockTree,
	ids: string[] | null,
	format: 'json' | 'markdown'
): ExportResult {
	const chosen = tree.summaries().filter((summary) => ids === null || ids.includes(summary.id));
	const conversations: ExportedConversation[] = chosen.map((summary) => ({
		title: summary.title,
		messages: tree.activeBranch(summary.id).map(({ role, content }) => ({ role, content }))
	}));
	if (format === 'markdown') {
		const content = conversations
			.map((conversation) =>
				[
					`# ${conversation.title}`,
					...conversation.messages.map((message) => `**${message.role}**: ${message.content}`)
				].join('\n\n')
			)
			.join('\n\n---\n\n');
		return { format, filename: 'llamadesk-export.md', content };
	}
	return {
		format,
		filename: 'llamadesk-export.json',
		content: JSON.stringify({ version: 1, conversations }, null, 2)
	};
}

function parse(data: ImportParams['data']): ExportedConversation[] {
	let document: unknown = data;
	if (typeof data === 'string') {
		try {
			document = JSON.parse(data);
		} catch {
			throw new MockFailure('import_invalid', 'The file is not valid JSON.');
		}
	}
	const conversations = (document as { conversations?: unknown }).conversations;
	if (!Array.isArray(conversations))
		throw new MockFailure('import_invalid', 'The file has no conversations.');
	return conversations as ExportedConversation[];
}

export function importConversations(tree: MockTree, data: ImportParams['data']): ImportResult {
	const ids: string[] = [];
	for (const conversation of parse(data)) {
		const summary = tree.createConversation(conversation.title);
		let parent: string | null = null;
		for (const message of conversation.messages) {
			parent = tree.addMessage(summary.id, parent, message.role, message.content).id;
		}
		ids.push(summary.id);
	}
	return { conversation_ids: ids };
}
