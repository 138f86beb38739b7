import type {
	ConversationOptions,
	ExportResult,
	ImportParams,
	ImportResult,
	Message
} from '$lib/types';
import { MockFailure } from './errors';
import { checkedSettings } from './inspect';
import type { MockAttachments, MockFile } from './attachments';
import { exportDocumentErrors, isObject } from './export-format';
import { exportFilename } from './titles';
import type { MockTree, Usage } from './tree';

/**
 * Export and import in the backend's format (`backend/chat/_export.py`, described in the
 * README): lossless JSON with every branch, or Markdown of the active branches.
 */
const FORMAT = 'llamadesk.conversations';

/** An attachment of an exported message: the stored file's id, its name, the pages sent. */
interface ExportedPart {
	id: string;
	name: string;
	first_page: number | null;
	last_page: number | null;
}

type ExportedMessage = Omit<Message, 'conversation_id' | 'sibling_ids' | 'attachments'> & {
	usage: Usage | null;
	attachments: ExportedPart[];
};

/** A message as a file may hold it: the optional fields may be left out. */
type ImportedMessage = Pick<ExportedMessage, 'id' | 'role' | 'content' | 'created_at'> &
	Partial<ExportedMessage>;

interface ExportedConversation {
	id: string;
	title: string;
	created_at: string;
	updated_at: string;
	pinned: boolean;
	model: string | null;
	system_prompt: string | null;
	params: Record<string, number | null>;
	options: ConversationOptions;
	active_leaf_id: string | null;
	provider_id: string;
	provider_model: string | null;
	messages: ExportedMessage[];
}

type ImportedConversation = Pick<
	ExportedConversation,
	'id' | 'title' | 'created_at' | 'updated_at'
> &
	Partial<Omit<ExportedConversation, 'messages'>> & { messages?: ImportedMessage[] };

function exported(tree: MockTree, conversationId: string): ExportedConversation {
	const summary = tree.conversation(conversationId);
	const settings = tree.settings(conversationId);
	return {
		id: summary.id,
		title: summary.title,
		created_at: summary.created_at,
		updated_at: summary.updated_at,
		pinned: summary.pinned,
		model: summary.model,
		system_prompt: settings.system_prompt,
		params: settings.params,
		options: settings.options,
		active_leaf_id: tree.leafId(conversationId),
		provider_id: summary.provider_id,
		provider_model: summary.provider_model,
		messages: tree.messagesOf(conversationId).map((message) => exportedMessage(tree, message))
	};
}

/** A message as the export file holds it: the backend's fields, in its order. */
function exportedMessage(tree: MockTree, message: Message): ExportedMessage {
	return {
		id: message.id,
		parent_id: message.parent_id,
		role: message.role,
		content: message.content,
		reasoning: message.reasoning,
		status: message.status,
		created_at: message.created_at,
		error: message.error,
		timings: message.timings,
		usage: tree.usage(message.id),
		model: message.model,
		tool_calls: message.tool_calls ?? [],
		probs: message.probs ?? null,
		reasoning_ms: message.reasoning_ms ?? null,
		provider_id: message.provider_id,
		provider_name: message.provider_name,
		failover: message.failover,
		attachments: (message.attachments ?? []).map((part) => ({
			id: part.id,
			name: part.name,
			first_page: part.first_page ?? null,
			last_page: part.last_page ?? null
		}))
	};
}

/** Port of `_markdown_writer`: who wrote an answer, and the failover note. */
function writerLines(message: Message): string[] {
	const who = [message.provider_name, message.model].filter(Boolean).join(' · ');
	if (message.role !== 'assistant' || !who) return [];
	return [`*Written by ${who}*`, '', ...(message.failover ? [`*${message.failover}*`, ''] : [])];
}

function markdown(tree: MockTree, conversationId: string): string {
	const conversation = tree.conversation(conversationId);
	const lines = [`# ${conversation.title}`, '', `*${conversation.created_at}*`, ''];
	for (const message of conversation.messages ?? []) {
		lines.push(`## ${message.role[0]?.toUpperCase()}${message.role.slice(1)}`, '');
		if (message.reasoning) {
			lines.push(
				'<details><summary>Reasoning</summary>',
				'',
				message.reasoning,
				'',
				'</details>',
				''
			);
		}
		const parts = message.attachments ?? [];
		if (parts.length > 0) {
			lines.push('Attachments:', '');
			for (const part of parts)
				lines.push(
					`- 📎 ${part.name} (${part.mime_type}, ${part.size.toLocaleString('en')} bytes)`
				);
			lines.push('');
		}
		lines.push(message.content, '');
		lines.push(...writerLines(message));
		if (message.status !== 'complete') {
			lines.push(`*(${message.status}${message.error ? `: ${message.error}` : ''})*`, '');
		}
	}
	return lines.join('\n');
}

/** Each file the messages use, once, with its bytes (the backend's `ExportedFile`). */
function exportedFiles(tree: MockTree, ids: string[], files: MockAttachments): unknown[] {
	const used = new Map<string, MockFile>();
	for (const id of ids)
		for (const message of tree.messagesOf(id))
			for (const part of message.attachments ?? []) {
				const file = files.files.get(part.id);
				if (file) used.set(part.id, file);
			}
	return [...used.values()].map((file) => ({
		id: file.attachment.id,
		name: file.attachment.name,
		mime_type: file.attachment.mime_type,
		kind: file.attachment.kind,
		size: file.attachment.size,
		text: file.text,
		page_offsets: null,
		created_at: file.created_at,
		data: file.data
	}));
}

export function exportConversations(
	tree: MockTree,
	ids: string[] | null,
	format: 'json' | 'markdown',
	files: MockAttachments
): ExportResult {
	const chosen = ids && ids.length > 0 ? ids : tree.summaries().map((summary) => summary.id);
	const title =
		chosen.length === 1 ? tree.conversation(chosen[0] as string).title : 'conversations';
	if (format === 'markdown') {
		const content = chosen.map((id) => markdown(tree, id)).join('\n---\n\n');
		return { format, filename: exportFilename(title, 'md'), content };
	}
	const document = {
		format: FORMAT,
		version: 1,
		exported_at: new Date().toISOString(),
		conversations: chosen.map((id) => exported(tree, id)),
		attachments: exportedFiles(tree, chosen, files)
	};
	return {
		format,
		filename: exportFilename(title, 'json'),
		content: JSON.stringify(document, null, 2)
	};
}

function invalid(field: string, message: string): MockFailure {
	return new MockFailure('import_invalid', `The export file is invalid at ${field}: ${message}`, [
		{ field, message }
	]);
}

/** The tree rules pydantic cannot state: unique ids, parents listed first, a real leaf. */
function checkTrees(conversations: ImportedConversation[]): void {
	const conversationIds = new Set<string>();
	const messageIds = new Set<string>();
	conversations.forEach((conversation, c) => {
		const where = `conversations.${c}`;
		if (conversationIds.has(conversation.id))
			throw invalid(`${where}.id`, `duplicate conversation id '${conversation.id}'`);
		conversationIds.add(conversation.id);
		const seen = new Set<string>();
		(conversation.messages ?? []).forEach((message, m) => {
			const field = `${where}.messages.${m}`;
			if (messageIds.has(message.id))
				throw invalid(`${field}.id`, `duplicate message id '${message.id}'`);
			if (message.parent_id && !seen.has(message.parent_id))
				throw invalid(
					`${field}.parent_id`,
					`parent '${message.parent_id}' is not listed before it`
				);
			messageIds.add(message.id);
			seen.add(message.id);
		});
		const leaf = conversation.active_leaf_id;
		if (leaf && !seen.has(leaf)) throw invalid(`${where}.active_leaf_id`, `no message '${leaf}'`);
	});
}

function parse(data: ImportParams['data']): ImportedConversation[] {
	let document: unknown = data;
	if (typeof data === 'string') {
		try {
			document = JSON.parse(data);
		} catch (error) {
			const reason = error instanceof Error ? error.message : String(error);
			throw new MockFailure('import_invalid', `The file is not valid JSON: ${reason}.`, [], reason);
		}
	}
	if (!isObject(document) || document.format !== FORMAT) {
		throw new MockFailure(
			'import_invalid',
			`This is not a LlamaDesk export (expected "format": "${FORMAT}").`
		);
	}
	const errors = exportDocumentErrors(document);
	const first = errors[0];
	if (first) {
		throw new MockFailure(
			'import_invalid',
			`The export file is invalid at ${first.field}: ${first.message}`,
			errors,
			errors.map((error) => `${error.field}\n  ${error.message}`).join('\n')
		);
	}
	const conversations = document.conversations as ImportedConversation[];
	checkTrees(conversations);
	return conversations;
}

/** Import every conversation, or none: ids already taken get fresh ones, links follow. */
export function importConversations(
	tree: MockTree,
	data: ImportParams['data'],
	files: MockAttachments
): ImportResult {
	const ids: string[] = [];
	const conversations = parse(data);
	const document = (typeof data === 'string' ? JSON.parse(data) : data) as {
		attachments?: {
			id: string;
			name: string;
			mime_type: string;
			size: number;
			text: string | null;
			created_at: string;
			data: string;
		}[];
	};
	for (const file of document.attachments ?? [])
		files.files.set(file.id, {
			attachment: {
				id: file.id,
				name: file.name,
				mime_type: file.mime_type,
				kind: 'document',
				size: file.size,
				page_count: null,
				char_count: (file.text ?? '').length,
				first_page: null,
				last_page: null
			},
			text: file.text ?? '',
			created_at: file.created_at,
			data: file.data
		});
	for (const conversation of conversations) {
		const fresh = (id: string, prefix: string) => (tree.has(id) ? tree.nextId(prefix) : id);
		const messageIds = new Map(
			(conversation.messages ?? []).map((message) => [message.id, fresh(message.id, 'msg')])
		);
		const conversationId = fresh(conversation.id, 'conv');
		tree.insertConversation({
			id: conversationId,
			title: conversation.title,
			created_at: conversation.created_at,
			updated_at: conversation.updated_at,
			pinned: conversation.pinned ?? false,
			model: conversation.model ?? null,
			message_count: 0
		});
		tree.setSettings(
			conversationId,
			checkedSettings(conversation.system_prompt, conversation.params, conversation.options)
		);
		for (const { usage, ...message } of conversation.messages ?? []) {
			const stored: Message = {
				id: messageIds.get(message.id) as string,
				conversation_id: conversationId,
				parent_id: message.parent_id ? (messageIds.get(message.parent_id) ?? null) : null,
				role: message.role,
				content: message.content,
				reasoning: message.reasoning ?? '',
				created_at: message.created_at,
				status: message.status === 'streaming' ? 'cancelled' : (message.status ?? 'complete'),
				error: message.error ?? null,
				timings: message.timings ?? null,
				model: message.model ?? null,
				tool_calls: message.tool_calls ?? [],
				probs: message.probs ?? null,
				reasoning_ms: message.reasoning_ms ?? null,
				provider_id: message.provider_id ?? null,
				provider_name: message.provider_name ?? null,
				failover: message.failover ?? null,
				attachments: files.parts(
					(message.attachments ?? []).map((part) => ({
						...part,
						first_page: part.first_page ?? null,
						last_page: part.last_page ?? null
					}))
				)
			};
			tree.insertMessage(stored, usage ?? null, false);
		}
		const leaf = conversation.active_leaf_id;
		if (leaf) tree.setLeaf(conversationId, messageIds.get(leaf) ?? null);
		tree.providers.set(conversationId, {
			provider_id: conversation.provider_id ?? 'local',
			provider_model: conversation.provider_model ?? null
		});
		ids.push(conversationId);
	}
	return { conversation_ids: ids };
}
