import { EVENT } from '$lib/constants/bridge';
import { ConversationService } from '$lib/services/conversations';
import { FrameBatcher, type FrameScheduler } from '$lib/services/frame-batcher';
import { LlamaService, type StreamEvent } from '$lib/services/llama';
import { ProvidersService } from '$lib/services/providers';
import { LOCAL_PROVIDER_ID } from '$lib/constants/providers';
import type {
	AnswerToolCallParams,
	AttachmentChoice,
	BridgeEventOf,
	Conversation,
	Message,
	PromptProgress,
	StreamStarted,
	TokenProb,
	ToolCallInfo
} from '$lib/types';
import { mergeToolCall } from '$lib/utils/tool-calls';
import { tokensPast } from '$lib/utils/token-probs';
import { AnswerTokens } from './answer-tokens';
import { StreamOffsets } from './chat-offsets';
import { StreamGains } from './stream-gains';
import { conversationsStore } from './conversations.svelte';
import { failoverStore } from './failover.svelte';
import { queueStore } from './queue.svelte';
import { serverStore } from './server.svelte';

interface ActiveStream {
	streamId: string;
	conversationId: string;
	messageId: string;
}

/** How far the prompt of the open conversation's answer has been read, before its first token. */
export interface ReadingProgress {
	messageId: string;
	progress: PromptProgress;
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/** The open conversation: its active branch, the running stream and the chat commands. */
export class ChatStore {
	conversationId = $state<string | null>(null);
	title = $state('');
	messages = $state<Message[]>([]);
	activeStream = $state<ActiveStream | null>(null);
	error = $state<string | null>(null);
	/** Notices of the open conversation's answers (e.g. the template takes no tools), by message. */
	notices = $state<Record<string, string[]>>({});
	/** Tool calls whose answer (run, deny) is on its way to the backend, by call id. */
	answering = $state<Record<string, boolean>>({});
	/** The prompt being read for the open conversation's answer (null once its text comes). */
	reading = $state<ReadingProgress | null>(null);
	/**
	 * Who answers the open conversation (`set_conversation_provider`; the conversation keeps
	 * it). Chosen before a new chat has its conversation, it is set when the first message
	 * creates it.
	 */
	provider = $state<{ id: string; model: string | null }>({ id: LOCAL_PROVIDER_ID, model: null });
	private openSeq = 0;
	private readonly offsets = new StreamOffsets();
	private readonly gains = new StreamGains();
	/** The shown answers' token probabilities: `messages` keep `probs: null`. */
	private readonly tokens = new AnswerTokens();
	/** Stream events of the open conversation that came while its view was on its way. */
	private held: StreamEvent[] | null = null;
	private replaying = false;
	/** Whether `messages` holds the open conversation (not just a freshly created one). */
	private loaded = false;
	private readonly batcher: FrameBatcher;
	private readonly unsubscribe: () => void;

	readonly isLoading = $derived(
		this.activeStream !== null && this.activeStream.conversationId === this.conversationId
	);
	readonly modelLoaded = $derived(serverStore.isReady);

	/** The remote provider and model answering here; null: this computer answers. */
	readonly remoteChoice = $derived(
		this.provider.id === LOCAL_PROVIDER_ID
			? null
			: { providerId: this.provider.id, model: this.provider.model ?? '' }
	);
	/** True between sending and the first token of the answer. */
	readonly awaitingFirstToken = $derived.by(() => {
		const stream = this.activeStream;
		if (!stream || stream.conversationId !== this.conversationId) return false;
		const message = this.messages.at(-1);
		return (
			message?.id === stream.messageId &&
			message.content === '' &&
			message.reasoning === '' &&
			(message.tool_calls ?? []).length === 0
		);
	});

	constructor(schedule?: FrameScheduler) {
		this.batcher = new FrameBatcher(
			(id, content, reasoning) => this.applyDelta(id, content, reasoning),
			schedule
		);
		this.unsubscribe = LlamaService.onStreamEvent((event) => this.handleStreamEvent(event));
	}

	/** Stop listening to stream events (the singleton lives as long as the page). */
	dispose(): void {
		this.unsubscribe();
		this.batcher.drop();
	}

	private findIndex(messageId: string): number {
		for (let index = this.messages.length - 1; index >= 0; index -= 1) {
			if (this.messages[index]?.id === messageId) return index;
		}
		return -1;
	}

	private applyDelta(messageId: string, content: string, reasoning: string): void {
		const message = this.messages[this.findIndex(messageId)];
		if (!message) return;
		if (content) {
			this.gains.add(messageId, message.content.length, content);
			message.content += content;
		}
		if (reasoning) message.reasoning += reasoning;
	}

	/** How many tokens of the message have probabilities (reactive). */
	tokenCount(messageId: string): number {
		return this.tokens.count(messageId);
	}

	/** The message's token probabilities; the list grows in place: follow `tokenCount`. */
	tokenProbs(messageId: string): readonly TokenProb[] {
		return this.tokens.list(messageId);
	}

	/**
	 * The text a streaming message gained from `offset` up to `length`, its text's length now;
	 * null when it must be read from the message (see StreamGains).
	 */
	gainedText(messageId: string, offset: number, length: number): string | null {
		return this.gains.since(messageId, offset, length);
	}

	private replaceMessage(final: Message): void {
		this.gains.forget(final.id);
		const index = this.findIndex(final.id);
		if (index >= 0) this.messages[index] = this.tokens.adopt(final);
	}

	private applyToolCall(messageId: string, call: ToolCallInfo): void {
		const message = this.messages[this.findIndex(messageId)];
		if (message) message.tool_calls = mergeToolCall(message.tool_calls ?? [], call);
	}

	/** A tool round ended: its message is complete and the answer goes on in the next one. */
	private applyRound(event: BridgeEventOf<'stream_round'>): void {
		if (event.conversation_id === this.conversationId) {
			this.batcher.flush();
			this.replaceMessage(event.message);
			if (this.findIndex(event.next_message.id) < 0)
				this.messages.push(this.tokens.adopt(event.next_message));
		}
		if (this.activeStream?.streamId === event.stream_id)
			this.activeStream = { ...this.activeStream, messageId: event.next_message.id };
	}

	private addNotice(messageId: string, text: string): void {
		this.notices = { ...this.notices, [messageId]: [...(this.notices[messageId] ?? []), text] };
	}

	/**
	 * New text for a message: only what lies past the text the page has (a reload or a second
	 * tab gets the text so far in the view, then chunks that may overlap it). A chunk past the
	 * end, or for a message not shown, means text was missed: the conversation is read again.
	 */
	private applyChunk(event: BridgeEventOf<'stream_chunk'>): void {
		const message = this.messages[this.findIndex(event.message_id)];
		const accepted = message ? this.offsets.accept(message, event) : 'gap';
		if (accepted === 'gap') return void this.resync(event);
		if (this.reading?.messageId === event.message_id) this.reading = null;
		if (accepted.content || accepted.reasoning)
			this.batcher.push(event.message_id, accepted.content, accepted.reasoning);
		const probs = event.probs ?? [];
		if (probs.length > 0 && message)
			this.tokens.append(
				message.id,
				tokensPast(probs, event.content.length - accepted.content.length)
			);
	}

	handleStreamEvent(event: StreamEvent): void {
		const current = event.conversation_id === this.conversationId;
		if (current && this.held) return void this.held.push(event);
		if (event.type === EVENT.streamChunk) {
			if (current) this.applyChunk(event);
			return;
		}
		if (event.type === EVENT.streamProgress) {
			if (current) this.reading = { messageId: event.message_id, progress: event.progress };
			return;
		}
		if (event.type === EVENT.streamRound) return this.applyRound(event);
		if (event.type === EVENT.toolCall) {
			if (!current) return;
			// A call for a message not shown yet (its event came before the answer to the send):
			// the conversation is read again, as for a chunk past the end.
			if (this.findIndex(event.message_id) < 0) return void this.resync(event);
			// The text before the call shows before its card.
			this.batcher.flush();
			return this.applyToolCall(event.message_id, event.call);
		}
		if (event.type === EVENT.streamNotice) {
			if (current) this.addNotice(event.message_id, event.text);
			return;
		}
		if (event.type === EVENT.queueChanged) return this.applyQueue(event);
		if (current) {
			this.batcher.flush();
			this.replaceMessage(event.message);
			this.offsets.forget(event.message.id);
			this.reading = null;
		}
		if (this.activeStream?.streamId === event.stream_id) this.activeStream = null;
		if (event.type === EVENT.streamError && current) this.error = event.error.message;
	}

	/** The conversation's queue changed; a message it sent is drawn as if sent from here. */
	private applyQueue(event: BridgeEventOf<'queue_changed'>): void {
		queueStore.set(event.conversation_id, event.queue);
		const sent = event.sent;
		if (!sent || sent.conversation_id !== this.conversationId) return;
		this.batcher.flush();
		this.begin(sent, this.messages.length);
	}

	private showConversation(conversation: Conversation): void {
		this.offsets.clear();
		this.gains.clear();
		this.tokens.clear();
		this.conversationId = conversation.id;
		this.title = conversation.title;
		this.messages = (conversation.messages ?? []).map((message) => this.tokens.adopt(message));
		failoverStore.adopt(conversation);
		if (conversation.queue) queueStore.set(conversation.id, conversation.queue);
		this.provider = { id: conversation.provider_id, model: conversation.provider_model };
		this.attach(conversation);
	}

	/** Follow the answer streaming in a conversation just shown (opened mid-answer). */
	private attach(conversation: Conversation): void {
		const stream = conversation.stream;
		if (stream) {
			this.activeStream = {
				streamId: stream.stream_id,
				conversationId: conversation.id,
				messageId: stream.message_id
			};
			this.reading = stream.progress
				? { messageId: stream.message_id, progress: stream.progress }
				: null;
		} else if (this.activeStream?.conversationId === conversation.id) {
			this.activeStream = null;
			this.reading = null;
		}
	}

	/**
	 * Read the open conversation again, holding its stream events meanwhile and replaying them
	 * on the fresh view (the overlap is skipped by offset), so nothing is missed or repeated.
	 */
	private async load(conversationId: string, seq: number): Promise<boolean> {
		this.held ??= [];
		try {
			const conversation = await ConversationService.get(conversationId);
			if (seq !== this.openSeq) return false;
			this.batcher.drop();
			this.showConversation(conversation);
			return true;
		} finally {
			if (seq === this.openSeq) this.replay();
		}
	}

	/** Apply the events held while a view was on its way; a gap now is not in the view: dropped. */
	private replay(): void {
		const held = this.held ?? [];
		this.held = null;
		this.replaying = true;
		try {
			for (const event of held) this.handleStreamEvent(event);
		} finally {
			this.replaying = false;
		}
	}

	private async resync(
		event: BridgeEventOf<'stream_chunk'> | BridgeEventOf<'tool_call'>
	): Promise<void> {
		if (this.replaying || !this.loaded || event.conversation_id !== this.conversationId) return;
		this.held = [event];
		try {
			await this.load(event.conversation_id, this.openSeq);
		} catch (error) {
			this.error = describe(error);
		}
	}

	private forgetAnswers(): void {
		this.notices = {};
		this.answering = {};
		this.reading = null;
	}

	async open(conversationId: string): Promise<void> {
		if (this.conversationId === conversationId && this.loaded) return;
		const seq = ++this.openSeq;
		this.loaded = false;
		this.batcher.drop();
		this.error = null;
		if (this.conversationId !== conversationId) {
			this.gains.clear();
			this.tokens.clear();
			this.messages = [];
			this.forgetAnswers();
		}
		this.conversationId = conversationId;
		try {
			if (await this.load(conversationId, seq)) this.loaded = true;
		} catch (error) {
			if (seq === this.openSeq) this.error = describe(error);
		}
	}

	/** Leave the open conversation (the "new chat" screen). */
	close(): void {
		this.openSeq += 1;
		this.loaded = false;
		this.batcher.drop();
		this.conversationId = null;
		this.title = '';
		this.gains.clear();
		this.tokens.clear();
		this.messages = [];
		this.error = null;
		this.provider = { id: LOCAL_PROVIDER_ID, model: null };
		this.forgetAnswers();
	}

	/**
	 * Show a new answer: the branch up to where it starts (the new user message's parent, or the
	 * answer's), then it. `keep` is used when that parent is not shown.
	 */
	private begin(started: StreamStarted, keep: number): void {
		if (started.conversation_id !== this.conversationId) return;
		const parentId = started.user_message
			? started.user_message.parent_id
			: started.assistant_message.parent_id;
		const parentIndex = parentId === null ? -1 : this.findIndex(parentId);
		const next = this.messages.slice(0, parentIndex >= 0 ? parentIndex + 1 : keep);
		// Its chunks may have come first and shown it (read again): keep what they brought.
		const shown = (message: Message) =>
			this.messages[this.findIndex(message.id)] ?? this.tokens.adopt(message);
		if (started.user_message) next.push(shown(started.user_message));
		next.push(shown(started.assistant_message));
		this.messages = next;
		this.activeStream = {
			streamId: started.stream_id,
			conversationId: started.conversation_id,
			messageId: started.assistant_message.id
		};
	}

	private async run(task: () => Promise<void>): Promise<void> {
		this.error = null;
		try {
			await task();
		} catch (error) {
			this.error = describe(error);
		}
	}

	/**
	 * Answer the open conversation with a provider's model from now on (`LOCAL_PROVIDER_ID`
	 * and null: this computer); without a conversation yet, the first message takes it.
	 */
	async chooseProvider(providerId: string, model: string | null): Promise<void> {
		await this.run(async () => {
			const id = this.conversationId;
			if (id) {
				const conversation = await ProvidersService.choose(id, providerId, model);
				if (id !== this.conversationId) return;
				this.provider = { id: conversation.provider_id, model: conversation.provider_model };
			} else this.provider = { id: providerId, model };
		});
	}

	/**
	 * Send a message (and its files), creating the conversation first if none is open; while
	 * an answer streams, queue its text instead (the backend sends it after; a queued message
	 * has no files). Returns the conversation's id.
	 */
	async send(content: string, attachments: AttachmentChoice[] = []): Promise<string | null> {
		const text = content.trim();
		if (!text && attachments.length === 0) return this.conversationId;
		if (this.isLoading) {
			if (this.conversationId && text && attachments.length === 0)
				await queueStore.add(this.conversationId, text);
			return this.conversationId;
		}
		await this.run(async () => {
			if (!this.conversationId) {
				const id = await conversationsStore.create();
				if (!id) throw new Error(conversationsStore.error ?? 'Could not create a conversation.');
				this.conversationId = id;
				this.title = '';
				this.loaded = true;
				if (this.provider.id !== LOCAL_PROVIDER_ID)
					await ProvidersService.choose(id, this.provider.id, this.provider.model);
			}
			const started = await LlamaService.sendStream(this.conversationId, text, attachments);
			this.begin(started, this.messages.length);
		});
		return this.conversationId;
	}

	async stop(): Promise<void> {
		const id = this.conversationId;
		if (!id || !this.isLoading) return;
		await this.run(async () => {
			await LlamaService.stop(id);
		});
	}

	async regenerate(messageId: string): Promise<void> {
		const index = this.findIndex(messageId);
		if (index < 0 || this.isLoading) return;
		await this.run(async () => this.begin(await LlamaService.regenerate(messageId), index));
	}

	/** Answer a tool call that waits for approval: run it (once, or from now on), or deny it. */
	async answerToolCall(answer: AnswerToolCallParams): Promise<void> {
		if (this.answering[answer.call_id]) return;
		this.answering = { ...this.answering, [answer.call_id]: true };
		try {
			await this.run(async () => {
				this.applyToolCall(answer.message_id, await LlamaService.answerToolCall(answer));
			});
		} finally {
			const rest = { ...this.answering };
			delete rest[answer.call_id];
			this.answering = rest;
		}
	}

	/** A new branch from token `index` of an answer, with `token` there instead. */
	async regenerateFromToken(messageId: string, index: number, token: string): Promise<void> {
		const at = this.findIndex(messageId);
		if (at < 0 || this.isLoading) return;
		await this.run(async () =>
			this.begin(await LlamaService.regenerateFromToken(messageId, index, token), at)
		);
	}

	/** Tell the model that thinks in the running answer to stop thinking and answer. */
	async stopThinking(): Promise<void> {
		const id = this.conversationId;
		if (!id || !this.isLoading) return;
		await this.run(async () => {
			await LlamaService.stopThinking(id);
		});
	}

	async continueMessage(messageId: string): Promise<void> {
		if (this.isLoading) return;
		await this.run(async () => {
			const started = await LlamaService.continueMessage(messageId);
			const message = this.messages[this.findIndex(messageId)];
			if (message) {
				message.status = 'streaming';
				this.offsets.restart(message);
			}
			this.activeStream = {
				streamId: started.stream_id,
				conversationId: started.conversation_id,
				messageId
			};
		});
	}

	async edit(messageId: string, content: string): Promise<void> {
		const index = this.findIndex(messageId);
		const files = this.messages[index]?.attachments ?? [];
		if (index < 0 || this.isLoading || (!content.trim() && files.length === 0)) return;
		await this.run(async () =>
			this.begin(await LlamaService.edit(messageId, content.trim()), index)
		);
	}

	/** Show the previous (-1) or next (+1) sibling of a message. */
	async selectSibling(messageId: string, offset: number): Promise<void> {
		const message = this.messages[this.findIndex(messageId)];
		const siblings = message?.sibling_ids ?? [];
		const target = siblings[siblings.indexOf(messageId) + offset];
		if (!target || this.isLoading) return;
		await this.run(async () => this.showConversation(await LlamaService.selectBranch(target)));
	}

	async deleteMessage(messageId: string): Promise<void> {
		if (this.isLoading) return;
		await this.run(async () => this.showConversation(await LlamaService.deleteMessage(messageId)));
	}

	async clear(): Promise<void> {
		const id = this.conversationId;
		if (!id) return;
		if (this.isLoading) await this.stop();
		await this.run(async () => this.showConversation(await ConversationService.clear(id)));
	}
}

export const chatStore = new ChatStore();
