import type { Conversation, ConversationSummary, Message } from '$lib/types';

interface StoredConversation {
	summary: ConversationSummary;
	leafId: string | null;
}

/** In-memory conversations with a message tree per conversation (the mock's database). */
export class MockTree {
	private conversations = new Map<string, StoredConversation>();
	private messages = new Map<string, Message>();
	private counter = 0;

	constructor(private readonly now: () => Date) {}

	nextId(prefix: string): string {
		this.counter += 1;
		return `${prefix}-${this.counter}`;
	}

	private stamp(): string {
		return this.now().toISOString();
	}

	createConversation(title: string): ConversationSummary {
		const at = this.stamp();
		const summary: ConversationSummary = {
			id: this.nextId('conv'),
			title,
			created_at: at,
			updated_at: at,
			message_count: 0,
			model: null,
			pinned: false
		};
		this.conversations.set(summary.id, { summary, leafId: null });
		return summary;
	}

	summary(conversationId: string): ConversationSummary | undefined {
		return this.conversations.get(conversationId)?.summary;
	}

	summaries(): ConversationSummary[] {
		return [...this.conversations.values()].map((entry) => ({ ...entry.summary }));
	}

	updateSummary(conversationId: string, patch: Partial<ConversationSummary>): ConversationSummary {
		const entry = this.require(conversationId);
		entry.summary = { ...entry.summary, ...patch, updated_at: this.stamp() };
		return { ...entry.summary };
	}

	deleteConversation(conversationId: string): boolean {
		for (const message of [...this.messages.values()]) {
			if (message.conversation_id === conversationId) this.messages.delete(message.id);
		}
		return this.conversations.delete(conversationId);
	}

	require(conversationId: string): StoredConversation {
		const entry = this.conversations.get(conversationId);
		if (!entry) throw new Error(`not_found:conversation ${conversationId}`);
		return entry;
	}

	message(messageId: string): Message {
		const message = this.messages.get(messageId);
		if (!message) throw new Error(`not_found:message ${messageId}`);
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
		const entry = this.require(conversationId);
		const message: Message = {
			id: this.nextId('msg'),
			conversation_id: conversationId,
			parent_id: parentId,
			role,
			content,
			reasoning: '',
			created_at: this.stamp(),
			status,
			error: null,
			model: role === 'assistant' ? (entry.summary.model ?? null) : null,
			timings: null,
			sibling_ids: []
		};
		this.messages.set(message.id, message);
		entry.leafId = message.id;
		this.touch(conversationId);
		return this.withSiblings(message);
	}

	patchMessage(messageId: string, patch: Partial<Message>): Message {
		const message = { ...this.message(messageId), ...patch };
		this.messages.set(messageId, message);
		return this.withSiblings(message);
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
		for (const message of [...this.messages.values()]) {
			if (message.conversation_id === conversationId) this.messages.delete(message.id);
		}
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

	conversation(conversationId: string): Conversation {
		const { summary } = this.require(conversationId);
		const messages = this.activeBranch(conversationId);
		return {
			...summary,
			message_count: messages.length,
			messages,
			params: {},
			system_prompt: null
		};
	}

	allMessages(): Message[] {
		return [...this.messages.values()];
	}

	private touch(conversationId: string): void {
		const entry = this.require(conversationId);
		const count = [...this.messages.values()].filter(
			(message) => message.conversation_id === conversationId
		).length;
		entry.summary = { ...entry.summary, message_count: count, updated_at: this.stamp() };
	}
}
