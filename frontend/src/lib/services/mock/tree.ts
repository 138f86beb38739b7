import type { Conversation, ConversationOptions, ConversationSummary, Message } from '$lib/types';
import { MockFailure } from './errors';
import { MockQueues } from './queue';

export const NEW_TITLE = 'New chat';

/** Token counts of an answer, as the backend stores them (they are exported, not sent). */
export type Usage = Record<'prompt_tokens' | 'completion_tokens' | 'total_tokens', number>;

/** A conversation's own settings, as `update_conversation_settings` stores them. */
export interface ConversationSettings {
	system_prompt: string | null;
	params: Record<string, number>;
	options: ConversationOptions;
}

/** The options of a conversation that set none (the backend's `ConversationOptions()`). */
export function defaultOptions(): ConversationOptions {
	return { stop: [], token_probs: 0, reasoning_effort: null, reasoning_budget: null };
}

interface StoredConversation {
	summary: ConversationSummary;
	settings: ConversationSettings;
	leafId: string | null;
	/** No title given yet: the first answer names it (like the backend's `title_pending`). */
	titlePending: boolean;
	/** Creation order, the tie-break of the listing. */
	seq: number;
}

/** The backend's listing order: pinned first, then the most recently updated. */
function listingOrder(left: StoredConversation, right: StoredConversation): number {
	return (
		Number(right.summary.pinned) - Number(left.summary.pinned) ||
		right.summary.updated_at.localeCompare(left.summary.updated_at) ||
		right.seq - left.seq
	);
}

/** In-memory conversations with a message tree per conversation (the mock's database). */
export class MockTree {
	private conversations = new Map<string, StoredConversation>();
	private messages = new Map<string, Message>();
	private usages = new Map<string, Usage>();
	/** Each conversation's provider and model, as `set_conversation_provider` left them. */
	readonly providers = new Map<string, { provider_id: string; provider_model: string | null }>();
	private counter = 0;
	/** Each conversation's message queue (the backend's `queued_messages`). */
	readonly queues = new MockQueues(
		() => this.nextId('queued'),
		() => this.stamp()
	);

	constructor(private readonly now: () => Date) {}

	nextId(prefix: string): string {
		this.counter += 1;
		return `${prefix}-${this.counter}`;
	}

	stamp(): string {
		return this.now().toISOString();
	}

	/** A new empty conversation; without a title it is "New chat" until its first answer. */
	createConversation(title: string | null): ConversationSummary {
		const at = this.stamp();
		return this.insertConversation(
			{
				id: this.nextId('conv'),
				title: title ?? NEW_TITLE,
				created_at: at,
				updated_at: at,
				message_count: 0,
				model: null,
				pinned: false
			},
			title === null
		);
	}

	/** Store a conversation as it is (import keeps its dates). */
	insertConversation(summary: ConversationSummary, titlePending = false): ConversationSummary {
		this.counter += 1;
		this.conversations.set(summary.id, {
			summary: { ...summary },
			settings: { system_prompt: null, params: {}, options: defaultOptions() },
			leafId: null,
			titlePending,
			seq: this.counter
		});
		return { ...summary };
	}

	/** Whether the conversation still waits for its automatic title; asking ends the wait. */
	takeTitlePending(conversationId: string): boolean {
		const entry = this.require(conversationId);
		const pending = entry.titlePending;
		entry.titlePending = false;
		return pending;
	}

	has(id: string): boolean {
		return this.conversations.has(id) || this.messages.has(id);
	}

	summary(conversationId: string): ConversationSummary | undefined {
		return this.conversations.get(conversationId)?.summary;
	}

	summaries(): ConversationSummary[] {
		return [...this.conversations.values()]
			.sort(listingOrder)
			.map((entry) => ({ ...entry.summary }));
	}

	/** Change a conversation's fields; `touch` also bumps `updated_at`. */
	updateSummary(
		conversationId: string,
		patch: Partial<ConversationSummary>,
		touch = true
	): ConversationSummary {
		const entry = this.require(conversationId);
		entry.summary = { ...entry.summary, ...patch };
		if (touch) entry.summary.updated_at = this.stamp();
		if (patch.title !== undefined) entry.titlePending = false;
		return { ...entry.summary };
	}

	deleteConversation(conversationId: string): boolean {
		for (const message of this.messagesOf(conversationId)) this.messages.delete(message.id);
		this.queues.forget(conversationId);
		return this.conversations.delete(conversationId);
	}

	require(conversationId: string): StoredConversation {
		const entry = this.conversations.get(conversationId);
		if (!entry) throw new MockFailure('not_found', `No conversation with id '${conversationId}'.`);
		return entry;
	}

	message(messageId: string): Message {
		const message = this.messages.get(messageId);
		if (!message) throw new MockFailure('not_found', `No message with id '${messageId}'.`);
		return message;
	}

	leafId(conversationId: string): string | null {
		return this.require(conversationId).leafId;
	}

	addMessage(
		conversationId: string,
		parentId: string | null,
		role: Message['role'],
		content: string,
		status: Message['status'] = 'complete'
	): Message {
		return this.insertMessage({
			id: this.nextId('msg'),
			conversation_id: conversationId,
			parent_id: parentId,
			role,
			content,
			reasoning: '',
			created_at: this.stamp(),
			status,
			error: null,
			model: null,
			timings: null,
			tool_calls: [],
			probs: null,
			reasoning_ms: null,
			provider_id: null,
			provider_name: null,
			failover: null,
			attachments: []
		});
	}

	/** Store a message as it is and make it the conversation's leaf. */
	insertMessage(message: Message, usage: Usage | null = null, touch = true): Message {
		const entry = this.require(message.conversation_id);
		this.messages.set(message.id, {
			...message,
			tool_calls: message.tool_calls ?? [],
			attachments: message.attachments ?? [],
			sibling_ids: []
		});
		if (usage) this.usages.set(message.id, usage);
		entry.leafId = message.id;
		this.touch(message.conversation_id, touch);
		return this.withSiblings(this.message(message.id));
	}

	patchMessage(messageId: string, patch: Partial<Message>, usage: Usage | null = null): Message {
		const message = { ...this.message(messageId), ...patch };
		this.messages.set(messageId, message);
		if (usage) this.usages.set(messageId, usage);
		return this.withSiblings(message);
	}

	usage(messageId: string): Usage | null {
		return this.usages.get(messageId) ?? null;
	}

	setLeaf(conversationId: string, leafId: string | null): void {
		this.require(conversationId).leafId = leafId;
	}

	private children(parentId: string | null, conversationId: string): Message[] {
		return [...this.messages.values()].filter(
			(message) => message.parent_id === parentId && message.conversation_id === conversationId
		);
	}

	withSiblings(message: Message): Message {
		const siblings = this.children(message.parent_id, message.conversation_id);
		return { ...message, sibling_ids: siblings.map((sibling) => sibling.id) };
	}

	/** Make the branch through `messageId` active: follow the newest child down to a leaf. */
	selectBranch(messageId: string): void {
		let leaf = this.message(messageId);
		for (;;) {
			const children = this.children(leaf.id, leaf.conversation_id);
			const newest = children.at(-1);
			if (!newest) break;
			leaf = newest;
		}
		this.require(leaf.conversation_id).leafId = leaf.id;
	}

	deleteMessage(messageId: string): string {
		const message = this.message(messageId);
		const doomed = [message.id];
		for (let index = 0; index < doomed.length; index += 1) {
			const id = doomed[index] as string;
			doomed.push(...this.children(id, message.conversation_id).map((child) => child.id));
		}
		for (const id of doomed) this.messages.delete(id);
		const entry = this.require(message.conversation_id);
		const siblings = this.children(message.parent_id, message.conversation_id);
		const fallback = siblings.at(-1)?.id ?? message.parent_id;
		entry.leafId = fallback;
		if (fallback) this.selectBranch(fallback);
		this.touch(message.conversation_id);
		return message.conversation_id;
	}

	clear(conversationId: string): void {
		for (const message of this.messagesOf(conversationId)) this.messages.delete(message.id);
		this.require(conversationId).leafId = null;
		this.touch(conversationId);
	}

	/** Messages of the active branch, root first. */
	activeBranch(conversationId: string): Message[] {
		const branch: Message[] = [];
		let id = this.require(conversationId).leafId;
		while (id) {
			const message = this.message(id);
			branch.unshift(this.withSiblings(message));
			id = message.parent_id;
		}
		return branch;
	}

	/** A conversation with its active branch; `message_count` counts every branch. */
	conversation(conversationId: string): Conversation {
		const { summary } = this.require(conversationId);
		const { system_prompt, params, options } = this.settings(conversationId);
		return {
			...summary,
			messages: this.activeBranch(conversationId),
			params,
			system_prompt,
			options,
			stream: null,
			provider_id: this.providers.get(conversationId)?.provider_id ?? 'local',
			provider_model: this.providers.get(conversationId)?.provider_model ?? null,
			queue: this.queues.view(conversationId)
		};
	}

	/** A conversation's own settings (a copy). */
	settings(conversationId: string): ConversationSettings {
		return structuredClone(this.require(conversationId).settings);
	}

	setSettings(conversationId: string, settings: ConversationSettings): void {
		this.require(conversationId).settings = structuredClone(settings);
	}

	allMessages(): Message[] {
		return [...this.messages.values()];
	}

	/** Every message of a conversation, oldest first (parents before children). */
	messagesOf(conversationId: string): Message[] {
		return this.allMessages().filter((message) => message.conversation_id === conversationId);
	}

	private touch(conversationId: string, stamp = true): void {
		const entry = this.require(conversationId);
		const count = this.messagesOf(conversationId).length;
		entry.summary = { ...entry.summary, message_count: count };
		if (stamp) entry.summary.updated_at = this.stamp();
	}
}
