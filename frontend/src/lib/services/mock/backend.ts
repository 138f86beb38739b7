import type {
	AttachmentChoice,
	BridgeEvent,
	CommandName,
	CommandParams,
	CommandResult,
	Conversation,
	Envelope,
	Message,
	LocalApiStatus,
	ServerStatus,
	StreamStarted,
	TokenProb
} from '$lib/types';
import { MockAttachments } from './attachments';
import { applyMockConfig, defaultMockValues, mockConfigView } from './config';
import { MockFailure, toBridgeError } from './errors';
import { afterToolsReply, markerReply, replyFor, type ScriptedReply } from './replies';
import { deriveTitle } from './titles';
import { MockDownloads } from './downloads';
import { MOCK_PICKED_PATH, MockModels, mockEngine } from './model-catalogue';
import {
	MOCK_ABOUT,
	MOCK_LOG_LINES,
	MOCK_SERVER_DEFAULTS,
	crashSequence,
	status,
	templateTakesTools,
	toolsUnsupported
} from './server';
import { mockContextUsage } from './context';
import { MockStream } from './streamer';
import { branchStart, checkedSettings, mockTokenProb } from './inspect';
import { MockTree } from './tree';
import { exportConversations, importConversations } from './transfer';
import { searchMessages } from './search';
import { MockStorage } from './storage';
import { MockTools, unavailableNotice } from './tools';
import { MockToolRounds, type Stoppable } from './tool-rounds';
import { mockRpcStatus } from './rpc';
import { MockLocalApi } from './local-api';
import { MockProviders } from './providers';
import { MockMessageQueue } from './queue-sender';
import { MockFailover, type MockWriter } from './failover';

export interface MockOptions {
	emit: (event: BridgeEvent) => void;
	tokensPerSecond?: number;
	/** How often stream text is pushed; by default `behaviour.stream_flush_ms`, like the real bridge. */
	tickMs?: number;
	firstTokenDelayMs?: number;
	withModels?: boolean;
	now?: () => Date;
	/** How long loading a model takes. */
	modelLoadMs?: number;
	/** How often a download advances (it takes 24 steps). */
	downloadTickMs?: number;
	/** Whether start-up "recovered a damaged database" (`get_database_recovery`). */
	recovered?: boolean;
	/** How long a tool server takes to start. */
	toolStartMs?: number;
	/** How long a tool call runs. */
	toolCallMs?: number;
	/** Start with a ready tool server ("files"), so a `/tool` prompt asks at once. */
	demoToolServer?: boolean;
	/** How long a `/failover` fall-back lasts before the local server is healthy again. */
	failoverHealMs?: number;
}

/** The mock implements the commands the UI uses; any other command fails with a clear message. */
type Handlers = {
	[K in CommandName]?: (params: CommandParams<K>) => CommandResult<K> | Promise<CommandResult<K>>;
};

/** An in-page backend implementing the bridge contract, for development and tests. */
export class MockBackend {
	readonly tree: MockTree;
	private readonly emit: (event: BridgeEvent) => void;
	private readonly tokensPerSecond: number;
	private readonly tickMs: number | undefined;
	private readonly firstTokenDelayMs: number;
	readonly models: MockModels;
	readonly downloads: MockDownloads;
	private readonly storage: MockStorage;
	readonly tools: MockTools;
	private readonly localApi = new MockLocalApi();
	readonly providers: MockProviders;
	readonly attachments: MockAttachments;
	private server: ServerStatus;
	private config = defaultMockValues();
	private streams = new Map<string, Stoppable>();
	private readonly toolRounds: MockToolRounds;
	private readonly queue: MockMessageQueue;
	private readonly failover: MockFailover;
	/** Links the page asked to open, for tests. */
	readonly openedUrls: string[] = [];

	constructor(options: MockOptions) {
		// Each event a copy, as its command results are: the real bridge sends JSON, so the page
		// never holds the backend's own objects (its stored message, a stream's token list).
		this.emit = (event) => options.emit(structuredClone(event));
		this.tokensPerSecond = options.tokensPerSecond ?? 60;
		this.tickMs = options.tickMs;
		this.firstTokenDelayMs = options.firstTokenDelayMs ?? 0;
		this.tree = new MockTree(options.now ?? (() => new Date()));
		this.attachments = new MockAttachments(() => this.tree.stamp());
		this.models = new MockModels(
			{
				emit: this.emit,
				engine: () => mockEngine(this.config),
				serverChanged: (state, model) => {
					this.server = status(state, model);
					this.emit({ type: 'server_status', status: this.server });
				},
				loadMs: options.modelLoadMs ?? 800
			},
			options.withModels ?? true
		);
		this.storage = new MockStorage(options.recovered ?? false);
		this.downloads = new MockDownloads({
			emit: this.emit,
			exists: (name) => this.models.list().some((model) => model.path.endsWith(`/${name}`)),
			finished: (path, size) => this.models.addDownloaded(path, size),
			tickMs: options.downloadTickMs ?? 150
		});
		this.tools = new MockTools(this.emit, options.toolStartMs ?? 400);
		if (options.demoToolServer) this.tools.addDemoServer();
		this.toolRounds = new MockToolRounds({
			emit: this.emit,
			tools: this.tools,
			tree: this.tree,
			callMs: options.toolCallMs ?? 600,
			resultMaxChars: () => Number(this.config.tools?.result_max_chars),
			templateTakesTools: () => templateTakesTools(this.server.model),
			register: (conversationId, round) => this.streams.set(conversationId, round),
			stream: (streamId, message, reply) => this.stream(streamId, message, reply),
			ended: (message) => this.ended(message)
		});
		this.queue = new MockMessageQueue(this.tree.queues, {
			emit: this.emit,
			send: (conversationId, content) => this.send(conversationId, content, []),
			running: (conversationId) => this.streams.get(conversationId)?.active ?? false,
			stop: (conversationId) => this.streams.get(conversationId)?.cancel()
		});
		this.failover = new MockFailover({
			emit: this.emit,
			update: (id, patch) => this.tree.patchMessage(id, patch),
			register: (conversationId, paused) => this.streams.set(conversationId, paused),
			stream: (streamId, message, tokens, writer) =>
				this.stream(
					streamId,
					this.tree.message(message.id),
					{ tokens, reasoning: [], outcome: 'complete' },
					writer
				),
			ended: (message) => this.ended(message),
			fallbacksChanged: () =>
				this.emit({ type: 'providers_changed', providers: this.providers.list() }),
			healMs: options.failoverHealMs ?? 3000
		});
		const model = this.models.selected;
		this.server = status(model ? 'ready' : 'stopped', model);
		this.providers = new MockProviders(
			this.emit,
			() => this.server,
			() => this.failover.fallbacks
		);
	}

	async invoke<K extends CommandName>(
		name: K,
		params: CommandParams<K>
	): Promise<Envelope<CommandResult<K>>> {
		await Promise.resolve();
		try {
			const handler = this.handlers[name] as
				((params: CommandParams<K>) => CommandResult<K> | Promise<CommandResult<K>>) | undefined;
			if (!handler)
				throw new MockFailure('internal', `The mock backend does not implement ${name}.`);
			return { ok: true, result: structuredClone(await handler(params)) };
		} catch (reason) {
			return { ok: false, error: toBridgeError(reason) };
		}
	}

	/** The local API's status for the mock's settings and selected model, as the backend's. */
	private localApiStatus(): LocalApiStatus {
		const model = this.models.list().find((entry) => entry.selected)?.name ?? null;
		return this.localApi.status(this.config.local_api ?? {}, model);
	}

	private requireReady(): string {
		if (this.server.state !== 'ready' || !this.server.model) {
			throw new MockFailure('server_unavailable', 'No model is loaded.');
		}
		return this.server.model;
	}

	/**
	 * Who writes a conversation's answers and with which model, as `ProviderRouter.primary`
	 * picks them: the local server, or the conversation's remote provider while it answers.
	 */
	private writer(conversationId: string) {
		const chosen = this.tree.providers.get(conversationId);
		const local = this.providers.list().providers[0];
		if (!chosen || chosen.provider_id === local?.id)
			return { provider_id: 'local', provider_name: local?.name ?? '', model: this.requireReady() };
		this.providers.ensureUsable(chosen.provider_id);
		const remote = this.providers.answering(chosen.provider_id);
		if (!remote)
			throw new MockFailure('server_unavailable', this.providers.whyNot(chosen.provider_id));
		return {
			provider_id: chosen.provider_id,
			provider_name: remote.name,
			model: chosen.provider_model ?? remote.models[0] ?? ''
		};
	}

	private startStream(
		conversationId: string,
		parentId: string,
		prompt: string | ScriptedReply,
		user: Message | null
	): StreamStarted {
		this.writer(conversationId);
		const assistant = this.tree.addMessage(conversationId, parentId, 'assistant', '', 'streaming');
		return this.run(conversationId, assistant, prompt, user);
	}

	private run(
		conversationId: string,
		message: Message,
		prompt: string | ScriptedReply,
		user: Message | null
	): StreamStarted {
		const { model } = this.writer(conversationId);
		const streamId = this.tree.nextId('stream');
		if (templateTakesTools(model)) this.tellUnavailable(streamId, message);
		else if (this.tools.list().servers.some((server) => server.enabled))
			setTimeout(() => this.emit(toolsUnsupported(streamId, message)), 0);
		this.stream(
			streamId,
			message,
			typeof prompt === 'string' ? this.replyTo(prompt, model) : prompt
		);
		return {
			stream_id: streamId,
			conversation_id: conversationId,
			user_message: user,
			assistant_message: this.tree.withSiblings(this.tree.message(message.id))
		};
	}

	/** Like `GenerationRunner._offer`: each enabled server the answer cannot use is named. */
	private tellUnavailable(streamId: string, message: Message): void {
		for (const server of this.tools.unavailable())
			setTimeout(() =>
				this.emit({
					type: 'stream_notice',
					stream_id: streamId,
					conversation_id: message.conversation_id,
					message_id: message.id,
					kind: 'tool_server_unavailable',
					text: unavailableNotice(server),
					server_id: server.serverId,
					server_name: server.name,
					reason: server.reason,
					provider_id: null,
					provider_name: null
				})
			);
	}

	/** The scripted reply; a prompt's tool markers are calls when tools are offered, as from the fake. */
	private replyTo(prompt: string, model: string): ScriptedReply {
		const offered = templateTakesTools(model) && this.tools.offer().size > 0;
		return (offered ? markerReply(prompt) : null) ?? replyFor(prompt);
	}

	/** Stream a reply into a message (the first of an answer, or the next after a tool round). */
	private stream(
		streamId: string,
		message: Message,
		reply: ScriptedReply,
		handedTo: MockWriter | null = null
	): void {
		const writer = handedTo ?? this.writer(message.conversation_id);
		const stream = new MockStream(
			streamId,
			message,
			reply,
			this.tokensPerSecond,
			this.tickMs ?? Number(this.config.behaviour?.stream_flush_ms),
			{
				emit: this.emit,
				// The model's name comes with every chunk, as from llama-server, and the
				// provider that writes the answer with it (another one after a failover).
				update: (patch, usage) =>
					this.tree.patchMessage(message.id, { ...patch, ...writer }, usage),
				ended: (final) => this.ended(final),
				crash: () => this.crash(),
				toolRound: (stored) => this.toolRounds.begin(streamId, stored, reply),
				probs: this.probsFor(message.conversation_id),
				failover: (stored, rest) => this.failover.ask(streamId, stored, rest),
				drafting: this.models.drafting
			},
			this.firstTokenDelayMs
		);
		this.streams.set(message.conversation_id, stream);
		stream.start();
	}

	/** Like the backend: while an answer streams, its text as it is now and the stream. */
	private liveConversation(conversationId: string): Conversation {
		const conversation = this.tree.conversation(conversationId);
		const running = this.streams.get(conversationId);
		if (!running?.active) return conversation;
		const { stream, content, reasoning, probs } = running.live();
		const messages = (conversation.messages ?? []).map((message) =>
			message.id === stream.message_id ? { ...message, content, reasoning, probs } : message
		);
		return { ...conversation, messages, stream };
	}

	/** The token probabilities of the conversation's answers, when it asks for them. */
	private probsFor(
		conversationId: string
	): ((token: string, index: number) => TokenProb) | undefined {
		const n = this.tree.settings(conversationId).options.token_probs;
		return n > 0 ? (token, index) => mockTokenProb(token, index, n) : undefined;
	}

	/** Like the backend: a complete answer names the conversation's model; then the title;
	 * then its queue goes on (or pauses). */
	private ended(message: Message): void {
		this.named(message);
		this.queue.answered(message);
	}

	private named(message: Message): void {
		const conversationId = message.conversation_id;
		if (message.model) this.tree.updateSummary(conversationId, { model: message.model }, false);
		if (message.status === 'error' || !this.tree.takeTitlePending(conversationId)) return;
		const first = this.tree.messagesOf(conversationId).find((message) => message.role === 'user');
		if (!first) return;
		const conversation = this.tree.updateSummary(conversationId, {
			title: deriveTitle(first.content)
		});
		this.emit({ type: 'conversation_updated', conversation });
	}

	private crash(): void {
		for (const [delay, event] of crashSequence(this.server.model, this.server.restarts)) {
			setTimeout(() => {
				if (event.type === 'server_status') this.server = event.status;
				this.emit(event);
			}, delay);
		}
	}

	/** A user message with its attachments (as the page shows them). */
	private addUser(
		conversationId: string,
		parentId: string | null,
		content: string,
		choices: AttachmentChoice[]
	): Message {
		const parts = this.attachments.parts(choices);
		if (!content.trim() && parts.length === 0)
			throw new MockFailure('invalid_argument', 'A message cannot be empty.');
		const user = this.tree.addMessage(conversationId, parentId, 'user', content);
		return parts.length > 0 ? this.tree.patchMessage(user.id, { attachments: parts }) : user;
	}

	/** The active branch as the model reads it, or a new chat's system prompt (for token counts). */
	private historyText(conversationId: string | null | undefined): string {
		if (!conversationId) return String(this.config.generation?.system_prompt ?? '');
		const messages = this.tree.conversation(conversationId).messages ?? [];
		return messages.map((m) => this.attachments.prompt(m.content, m.attachments ?? [])).join('\n');
	}

	private send(
		conversationId: string,
		content: string,
		choices: AttachmentChoice[]
	): StreamStarted {
		this.writer(conversationId);
		const user = this.addUser(conversationId, this.tree.leafId(conversationId), content, choices);
		return this.startStream(
			conversationId,
			user.id,
			content,
			this.tree.withSiblings(this.tree.message(user.id))
		);
	}

	private readonly handlers: Handlers = {
		send_chat_message: () => {
			throw new MockFailure(
				'invalid_argument',
				'The mock only streams: use send_chat_message_stream.'
			);
		},
		send_chat_message_stream: ({ conversation_id, content, attachments }) =>
			this.send(conversation_id, content, attachments ?? []),
		queue_message: ({ conversation_id, content }) => {
			this.tree.require(conversation_id);
			return this.queue.add(conversation_id, content);
		},
		update_queued_message: ({ queued_id, content, position }) =>
			this.queue.update(queued_id, content ?? null, position ?? null),
		delete_queued_message: ({ queued_id }) => this.queue.remove(queued_id),
		send_queued_now: ({ queued_id }) => this.queue.sendNow(queued_id),
		resume_queue: ({ conversation_id }) => {
			this.tree.require(conversation_id);
			return this.queue.resume(conversation_id);
		},
		read_ahead_draft: ({ conversation_id }) => {
			this.tree.require(conversation_id);
			return { tokens: 0 };
		},
		get_context_usage: ({ conversation_id, draft }) =>
			mockContextUsage(
				conversation_id ? (this.tree.conversation(conversation_id).messages ?? []) : [],
				String(this.config.generation?.system_prompt ?? ''),
				draft ?? '',
				{
					maxTokens: (this.config.generation?.max_tokens as number | null) ?? null,
					dropOldestTurns: this.config.behaviour?.drop_oldest_turns === true
				}
			),
		upload_attachment: ({ name, data }) =>
			this.attachments.upload(name, data, Number(this.config.attachments?.max_file_mb)),
		pick_attachments: () => {
			throw new MockFailure(
				'conflict',
				'There is no file dialog in browser mode.',
				[],
				'Upload the files with upload_attachment instead.'
			);
		},
		get_attachment_text: (ref) => this.attachments.text(ref),
		get_attachment_image: ({ id, max_side }) => this.attachments.image(id, max_side ?? 320),
		count_message_tokens: (params) =>
			this.attachments.count(params, this.historyText(params.conversation_id)),
		stop_generation: ({ conversation_id }) => {
			const stream = this.streams.get(conversation_id);
			const stopped = stream?.active ?? false;
			stream?.cancel();
			return { stopped };
		},
		regenerate_message: ({ message_id }) => {
			const message = this.tree.message(message_id);
			if (!message.parent_id) throw new MockFailure('invalid_argument', 'Nothing to regenerate.');
			const parent = this.tree.message(message.parent_id);
			// After a tool round the model answers from its calls' results.
			const prompt =
				parent.role === 'assistant'
					? afterToolsReply((parent.tool_calls ?? []).some((call) => call.state === 'done'))
					: parent.content;
			return this.startStream(message.conversation_id, parent.id, prompt, null);
		},
		regenerate_from_token: ({ message_id, index, token }) => {
			this.requireReady();
			const message = this.tree.message(message_id);
			if (message.role !== 'assistant' || !message.parent_id)
				throw new MockFailure('invalid_argument', 'Only an answer can be regenerated.');
			const start = branchStart(message.probs, index, token);
			const branch = this.tree.addMessage(
				message.conversation_id,
				message.parent_id,
				'assistant',
				start.content,
				'streaming'
			);
			this.tree.patchMessage(branch.id, { probs: start.probs });
			const prompt = this.tree.message(message.parent_id).content;
			return this.run(message.conversation_id, this.tree.message(branch.id), prompt, null);
		},
		stop_thinking: ({ conversation_id }) => {
			const stream = this.streams.get(conversation_id);
			if (!stream?.active)
				throw new MockFailure('conflict', 'This conversation has no answer under way.');
			return { ended: stream instanceof MockStream && stream.endThinking() };
		},
		update_conversation_settings: ({ conversation_id, system_prompt, params, options }) => {
			this.tree.setSettings(conversation_id, checkedSettings(system_prompt, params, options));
			return this.tree.conversation(conversation_id);
		},
		answer_tool_call: (answer) => this.toolRounds.answer(answer),
		answer_failover: ({ question_id, choice }) => this.failover.answer(question_id, choice),
		continue_message: ({ message_id }) => {
			this.requireReady();
			const message = this.tree.patchMessage(message_id, { status: 'streaming' });
			return this.run(message.conversation_id, message, 'continue', null);
		},
		edit_message: ({ message_id, content, attachments }) => {
			this.requireReady();
			const original = this.tree.message(message_id);
			const kept = (original.attachments ?? []).map((part) => ({
				id: part.id,
				name: part.name,
				first_page: part.first_page ?? null,
				last_page: part.last_page ?? null
			}));
			const user = this.addUser(
				original.conversation_id,
				original.parent_id,
				content,
				attachments ?? kept
			);
			return this.startStream(
				user.conversation_id,
				user.id,
				content,
				this.tree.withSiblings(this.tree.message(user.id))
			);
		},
		select_branch: ({ message_id }) => {
			this.tree.selectBranch(message_id);
			return this.tree.conversation(this.tree.message(message_id).conversation_id);
		},
		delete_message: ({ message_id }) => this.tree.conversation(this.tree.deleteMessage(message_id)),
		list_conversations: ({ offset, limit }) => {
			const start = offset ?? 0;
			return this.tree.summaries().slice(start, limit == null ? undefined : start + limit);
		},
		get_conversation: ({ conversation_id }) => this.liveConversation(conversation_id),
		create_conversation: ({ title }) =>
			this.tree.conversation(this.tree.createConversation(title ?? null).id),
		rename_conversation: ({ conversation_id, title }) =>
			this.tree.updateSummary(conversation_id, { title }),
		delete_conversation: ({ conversation_id }) => {
			this.streams.get(conversation_id)?.cancel();
			return { deleted: this.tree.deleteConversation(conversation_id) };
		},
		clear_conversation: ({ conversation_id }) => {
			this.tree.clear(conversation_id);
			return this.tree.conversation(conversation_id);
		},
		pin_conversation: ({ conversation_id, pinned }) =>
			this.tree.updateSummary(conversation_id, { pinned }),
		search_conversations: ({ query, limit }) => searchMessages(this.tree, query, limit ?? 50),
		export_conversations: ({ conversation_ids, format }) =>
			exportConversations(this.tree, conversation_ids ?? null, format ?? 'json', this.attachments),
		import_conversations: ({ data }) => importConversations(this.tree, data, this.attachments),
		get_config: () => mockConfigView(this.config),
		save_config: ({ config }) => {
			const { errors, result } = applyMockConfig(this.config, config);
			if (errors.length > 0) {
				throw new MockFailure(
					'config_invalid',
					'Settings not saved: some fields are invalid.',
					errors
				);
			}
			return result;
		},
		list_models: () => this.models.list(),
		refresh_models: () => this.models.list(),
		select_model: ({ model_id }) => this.models.select(model_id),
		unload_model: ({ model_id }) => this.models.unload(model_id),
		add_model_file: ({ path }) => this.models.add(path),
		pick_model_file: () => ({ path: MOCK_PICKED_PATH }),
		remove_model: ({ model_id, delete_file }) => this.models.remove(model_id, delete_file),
		get_model_settings: ({ model_id }) => this.models.getSettings(model_id),
		save_model_settings: ({ model_id, settings }) => this.models.saveSettings(model_id, settings),
		download_model: ({ url, filename, sha256 }) =>
			this.downloads.start(url, filename ?? null, sha256 ?? null),
		cancel_download: ({ download_id }) => this.downloads.cancel(download_id),
		list_downloads: () => this.downloads.list(),
		clear_finished_downloads: () => this.downloads.clearFinished(),
		get_server_status: () => this.server,
		start_server: () =>
			(this.server = status(
				this.server.model ? 'ready' : 'failed',
				this.server.model,
				this.server.model
					? {}
					: { last_error: 'No model selected.', hint: 'Choose a model in the header.' }
			)),
		stop_server: () => (this.server = status('stopped', this.server.model)),
		restart_server: () => (this.server = status('ready', this.server.model)),
		open_external: ({ url }) => {
			this.openedUrls.push(url);
			return { opened: true };
		},
		get_server_logs: ({ lines }) => ({ lines: MOCK_LOG_LINES.slice(-(lines ?? 200)) }),
		get_server_defaults: () =>
			this.server.state === 'ready'
				? {
						...MOCK_SERVER_DEFAULTS,
						supports_tools: templateTakesTools(this.server.model),
						vision: this.models.sees(this.server.model)
					}
				: null,
		get_database_recovery: () => this.storage.recovery(),
		list_backups: () => this.storage.list(),
		restore_backup: ({ name }) => this.storage.restore(name),
		list_tool_servers: () => this.tools.list(),
		add_tool_server: ({ server }) => this.tools.add(server),
		update_tool_server: ({ server_id, server }) => this.tools.update(server_id, server),
		remove_tool_server: ({ server_id }) => this.tools.remove(server_id),
		set_tool_server_enabled: ({ server_id, enabled }) => this.tools.setEnabled(server_id, enabled),
		restart_tool_server: ({ server_id }) => this.tools.restart(server_id),
		list_tools: ({ server_id }) => this.tools.tools(server_id ?? null),
		set_tool_rule: ({ server_id, tool, rule }) => this.tools.setRule(server_id, tool ?? null, rule),
		import_tool_servers: ({ data }) => this.tools.import(data),
		export_tool_servers: () => this.tools.export(),
		get_about: () => MOCK_ABOUT,
		get_rpc_status: () => mockRpcStatus(this.config.rpc ?? {}, this.server.model ?? null),
		check_rpc_workers: () => mockRpcStatus(this.config.rpc ?? {}, this.server.model ?? null),
		list_providers: () => this.providers.list(),
		add_provider: ({ provider, api_key }) => this.providers.add(provider, api_key),
		update_provider: ({ provider_id, provider, api_key }) =>
			this.providers.update(provider_id, provider, api_key),
		remove_provider: ({ provider_id }) => this.providers.remove(provider_id),
		check_provider: ({ provider_id }) => this.providers.check(provider_id),
		set_failover: ({ rule }) => this.providers.setFailover(rule),
		set_conversation_provider: ({ conversation_id, provider_id, model }) => {
			this.providers.ensureUsable(provider_id);
			this.tree.conversation(conversation_id);
			this.tree.providers.set(conversation_id, { provider_id, provider_model: model ?? null });
			return this.tree.conversation(conversation_id);
		},
		get_local_api_status: () => this.localApiStatus(),
		regenerate_local_api_key: () => {
			this.localApi.regenerate();
			return this.localApiStatus();
		}
	};
}
