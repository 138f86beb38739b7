import { EVENT } from '$lib/constants/bridge';
import { ConversationService } from '$lib/services/conversations';
import { BridgeEvents } from '$lib/services/events';
import type { ConversationSummary, ExportResult, SearchHit } from '$lib/types';
import { groupConversations } from '$lib/utils/date-groups';

export const UNDO_DELETE_MS = 5000;
/** Conversations fetched at a time: the first page at start, the next when the list nears its end. */
export const CONVERSATION_PAGE = 200;

interface PendingDelete {
	conversation: ConversationSummary;
	timer: ReturnType<typeof setTimeout>;
}

/** The sidebar's conversations: listing, search, rename, pin, delete with undo, transfer. */
class ConversationsStore {
	conversations = $state<ConversationSummary[]>([]);
	searchQuery = $state('');
	searchHits = $state<SearchHit[]>([]);
	/** The query `searchHits` answer: another than `searchQuery` while its answer is on its way. */
	answeredQuery = $state('');
	pendingDelete = $state<ConversationSummary | null>(null);
	error = $state<string | null>(null);
	/** Whether the backend may hold conversations past the ones loaded. */
	hasMore = $state(false);
	private deleteTimer: PendingDelete | null = null;
	private searchSeq = 0;
	private loadSeq = 0;
	private loadingMore: Promise<void> | null = null;
	/** Updates pushed while the first page is on its way (null when none is): the page, read
	 * before them, must not undo them. */
	private pushedWhileLoading: Map<string, ConversationSummary> | null = null;

	readonly groups = $derived(groupConversations(this.conversations, new Date()));

	constructor() {
		BridgeEvents.subscribe((event) => {
			if (event.type === EVENT.conversationUpdated) this.upsert(event.conversation);
		});
	}

	private report(error: unknown): void {
		this.error = error instanceof Error ? error.message : String(error);
	}

	upsert(summary: ConversationSummary): void {
		if (this.pendingDelete?.id === summary.id) return;
		this.pushedWhileLoading?.set(summary.id, summary);
		const index = this.conversations.findIndex((entry) => entry.id === summary.id);
		if (index >= 0) this.conversations[index] = summary;
		else this.conversations = [summary, ...this.conversations];
	}

	/** The first page of the list (again, after an import or a restore). */
	async load(): Promise<void> {
		const seq = ++this.loadSeq;
		const pushed = (this.pushedWhileLoading = new Map());
		try {
			const list = await ConversationService.list(0, CONVERSATION_PAGE);
			if (seq !== this.loadSeq) return;
			const hidden = this.pendingDelete?.id;
			const listed = new Set(list.map((entry) => entry.id));
			const created = [...pushed.values()].filter((entry) => !listed.has(entry.id));
			this.conversations = [
				...created,
				...list.map((entry) => pushed.get(entry.id) ?? entry)
			].filter((entry) => entry.id !== hidden);
			this.hasMore = list.length === CONVERSATION_PAGE;
		} catch (error) {
			this.report(error);
		} finally {
			if (seq === this.loadSeq) this.pushedWhileLoading = null;
		}
	}

	/** The next page, appended (the sidebar asks when its end comes into view). */
	loadMore(): Promise<void> {
		if (!this.hasMore) return Promise.resolve();
		this.loadingMore ??= this.fetchMore().finally(() => (this.loadingMore = null));
		return this.loadingMore;
	}

	private async fetchMore(): Promise<void> {
		const seq = this.loadSeq;
		try {
			const page = await ConversationService.list(this.conversations.length, CONVERSATION_PAGE);
			if (seq !== this.loadSeq) return;
			// A conversation created meanwhile shifts the pages by one: skip what is already here.
			const known = new Set(this.conversations.map((entry) => entry.id));
			const hidden = this.pendingDelete?.id;
			const fresh = page.filter((entry) => !known.has(entry.id) && entry.id !== hidden);
			this.conversations = [...this.conversations, ...fresh];
			this.hasMore = page.length === CONVERSATION_PAGE;
		} catch (error) {
			this.report(error);
		}
	}

	async create(): Promise<string | null> {
		try {
			const conversation = await ConversationService.create();
			this.upsert(conversation);
			return conversation.id;
		} catch (error) {
			this.report(error);
			return null;
		}
	}

	async rename(id: string, title: string): Promise<void> {
		const trimmed = title.trim();
		if (!trimmed) return;
		try {
			this.upsert(await ConversationService.rename(id, trimmed));
		} catch (error) {
			this.report(error);
		}
	}

	async togglePin(id: string): Promise<void> {
		const current = this.conversations.find((entry) => entry.id === id);
		if (!current) return;
		try {
			this.upsert(await ConversationService.pin(id, !current.pinned));
		} catch (error) {
			this.report(error);
		}
	}

	/** Hide the conversation now; delete it for real unless `undoDelete` comes first. */
	remove(id: string): void {
		const conversation = this.conversations.find((entry) => entry.id === id);
		if (!conversation) return;
		this.commitPendingDelete();
		this.conversations = this.conversations.filter((entry) => entry.id !== id);
		this.pendingDelete = conversation;
		this.deleteTimer = {
			conversation,
			timer: setTimeout(() => this.commitPendingDelete(), UNDO_DELETE_MS)
		};
	}

	undoDelete(): void {
		if (!this.deleteTimer) return;
		clearTimeout(this.deleteTimer.timer);
		const { conversation } = this.deleteTimer;
		this.deleteTimer = null;
		this.pendingDelete = null;
		this.upsert(conversation);
	}

	commitPendingDelete(): void {
		if (!this.deleteTimer) return;
		clearTimeout(this.deleteTimer.timer);
		const { conversation } = this.deleteTimer;
		this.deleteTimer = null;
		this.pendingDelete = null;
		ConversationService.remove(conversation.id).catch((error: unknown) => this.report(error));
	}

	/** Whether the results shown are not yet those of the query typed (its answer is awaited). */
	get searching(): boolean {
		return this.answeredQuery !== this.searchQuery.trim();
	}

	async search(query: string): Promise<void> {
		this.searchQuery = query;
		const seq = ++this.searchSeq;
		const trimmed = query.trim();
		if (!trimmed) {
			this.searchHits = [];
			this.answeredQuery = '';
			return;
		}
		try {
			const hits = await ConversationService.search(trimmed);
			if (seq !== this.searchSeq) return;
			this.searchHits = hits;
			this.error = null;
		} catch (error) {
			if (seq !== this.searchSeq) return;
			this.searchHits = [];
			this.report(error);
		}
		this.answeredQuery = trimmed;
	}

	exportAll(format: 'json' | 'markdown'): Promise<ExportResult> {
		return ConversationService.exportAll(format);
	}

	async importData(data: string): Promise<string[]> {
		try {
			const { conversation_ids } = await ConversationService.importData(data);
			await this.load();
			this.error = null;
			return conversation_ids;
		} catch (error) {
			this.report(error);
			return [];
		}
	}
}

export const conversationsStore = new ConversationsStore();
