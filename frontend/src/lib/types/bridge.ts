/**
 * GENERATED FILE, DO NOT EDIT.
 * Source: frontend/contract/bridge.schema.json
 * Regenerate with: npm -w frontend run gen:types
 */

export interface BridgeContract {
	commands: Commands;
	error: BridgeError;
	event:
		| StreamChunkEvent
		| StreamEndEvent
		| StreamErrorEvent
		| ToolCallEvent
		| StreamRoundEvent
		| StreamNoticeEvent
		| StreamProgressEvent
		| QueueChangedEvent
		| ServerStatusEvent
		| ModelsChangedEvent
		| DownloadProgressEvent
		| ConversationUpdatedEvent
		| DatabaseRecoveredEvent
		| ToolServersChangedEvent
		| RpcStatusEvent
		| ProvidersChangedEvent
		| FailoverQuestionEvent
		| FailoverAnsweredEvent
		| LocalApiStatusEvent;
	failure: CommandFailure;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "Commands".
 */
export interface Commands {
	add_model_file: AddModelFileCommand;
	add_provider: AddProviderCommand;
	add_tool_server: AddToolServerCommand;
	answer_failover: AnswerFailoverCommand;
	answer_tool_call: AnswerToolCallCommand;
	cancel_download: CancelDownloadCommand;
	check_provider: CheckProviderCommand;
	check_rpc_workers: CheckRpcWorkersCommand;
	clear_conversation: ClearConversationCommand;
	clear_finished_downloads: ClearFinishedDownloadsCommand;
	continue_message: ContinueMessageCommand;
	count_message_tokens: CountMessageTokensCommand;
	create_conversation: CreateConversationCommand;
	delete_conversation: DeleteConversationCommand;
	delete_message: DeleteMessageCommand;
	delete_queued_message: DeleteQueuedMessageCommand;
	download_model: DownloadModelCommand;
	edit_message: EditMessageCommand;
	export_conversations: ExportConversationsCommand;
	export_tool_servers: ExportToolServersCommand;
	get_about: GetAboutCommand;
	get_attachment_image: GetAttachmentImageCommand;
	get_attachment_text: GetAttachmentTextCommand;
	get_config: GetConfigCommand;
	get_context_usage: GetContextUsageCommand;
	get_conversation: GetConversationCommand;
	get_database_recovery: GetDatabaseRecoveryCommand;
	get_local_api_status: GetLocalApiStatusCommand;
	get_model_settings: GetModelSettingsCommand;
	get_rpc_status: GetRpcStatusCommand;
	get_server_defaults: GetServerDefaultsCommand;
	get_server_logs: GetServerLogsCommand;
	get_server_status: GetServerStatusCommand;
	import_conversations: ImportConversationsCommand;
	import_tool_servers: ImportToolServersCommand;
	list_backups: ListBackupsCommand;
	list_conversations: ListConversationsCommand;
	list_downloads: ListDownloadsCommand;
	list_models: ListModelsCommand;
	list_providers: ListProvidersCommand;
	list_tool_servers: ListToolServersCommand;
	list_tools: ListToolsCommand;
	open_external: OpenExternalCommand;
	pick_attachments: PickAttachmentsCommand;
	pick_model_file: PickModelFileCommand;
	pin_conversation: PinConversationCommand;
	queue_message: QueueMessageCommand;
	read_ahead_draft: ReadAheadDraftCommand;
	refresh_models: RefreshModelsCommand;
	regenerate_from_token: RegenerateFromTokenCommand;
	regenerate_local_api_key: RegenerateLocalApiKeyCommand;
	regenerate_message: RegenerateMessageCommand;
	remove_model: RemoveModelCommand;
	remove_provider: RemoveProviderCommand;
	remove_tool_server: RemoveToolServerCommand;
	rename_conversation: RenameConversationCommand;
	restart_server: RestartServerCommand;
	restart_tool_server: RestartToolServerCommand;
	restore_backup: RestoreBackupCommand;
	resume_queue: ResumeQueueCommand;
	save_config: SaveConfigCommand;
	save_model_settings: SaveModelSettingsCommand;
	search_conversations: SearchConversationsCommand;
	select_branch: SelectBranchCommand;
	select_model: SelectModelCommand;
	send_chat_message: SendChatMessageCommand;
	send_chat_message_stream: SendChatMessageStreamCommand;
	send_queued_now: SendQueuedNowCommand;
	set_conversation_provider: SetConversationProviderCommand;
	set_failover: SetFailoverCommand;
	set_tool_rule: SetToolRuleCommand;
	set_tool_server_enabled: SetToolServerEnabledCommand;
	start_server: StartServerCommand;
	stop_generation: StopGenerationCommand;
	stop_server: StopServerCommand;
	stop_thinking: StopThinkingCommand;
	unload_model: UnloadModelCommand;
	update_conversation_settings: UpdateConversationSettingsCommand;
	update_provider: UpdateProviderCommand;
	update_queued_message: UpdateQueuedMessageCommand;
	update_tool_server: UpdateToolServerCommand;
	upload_attachment: UploadAttachmentCommand;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "AddModelFileCommand".
 */
export interface AddModelFileCommand {
	params: AddModelFileParams;
	result: ModelInfo;
}
/**
 * A GGUF file to list where it lies (no copy): its full path.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "AddModelFileParams".
 */
export interface AddModelFileParams {
	path: string;
}
/**
 * A model the app can load, what its GGUF header says, and whether it fits.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ModelInfo".
 */
export interface ModelInfo {
	architecture: string | null;
	/**
	 * The context the model was trained on.
	 */
	context_length: number | null;
	error: string | null;
	/**
	 * At the context size it would load with; null when it cannot load.
	 */
	fit: ModelFit | null;
	has_chat_template: boolean;
	id: string;
	is_default: boolean;
	/**
	 * Whether the model is in memory: the selected one while the server runs, and in router mode every model the router has loaded.
	 */
	load_state: 'loaded' | 'loading' | 'unloaded' | 'failed';
	name: string;
	parameters: number | null;
	path: string;
	/**
	 * The vision projector (mmproj GGUF) it loads with: its load settings' one, else one found beside it; null when none. Whether the model sees is what the server reports once it is loaded (ServerDefaults.vision).
	 */
	projector: string | null;
	quantization: string | null;
	selected: boolean;
	size_bytes: number;
	source: 'default' | 'folder' | 'linked';
}
/**
 * Whether a model fits in free memory at a context size: an estimate, never a refusal.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ModelFit".
 */
export interface ModelFit {
	/**
	 * Memory free now (including reclaimable cache).
	 */
	available_bytes: number;
	context_size: number;
	fits: boolean;
	/**
	 * Weights plus the KV cache for context_size tokens.
	 */
	needed_bytes: number;
	warning: string | null;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "AddProviderCommand".
 */
export interface AddProviderCommand {
	params: AddProviderParams;
	result: ProviderInfo;
}
/**
 * A new remote provider and its API key (none when it needs no key).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "AddProviderParams".
 */
export interface AddProviderParams {
	api_key?: string | null;
	provider: ProviderConfig;
}
/**
 * What the user sets for a remote provider (its key travels apart: see ``api_key``).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ProviderConfig".
 */
export interface ProviderConfig {
	/**
	 * Where its OpenAI-compatible API lives, e.g. http://192.168.1.5:8080/v1 (a trailing /v1 is optional).
	 */
	base_url: string;
	/**
	 * It continues a trailing assistant message (llama-server does), so a cut answer goes on where it stopped; otherwise it answers afresh in a new branch.
	 */
	can_continue: boolean;
	enabled: boolean;
	/**
	 * Refuse to send anything unless its address is loopback or private.
	 */
	local_network_only: boolean;
	/**
	 * Shown in the model selector.
	 */
	name: string;
	/**
	 * Longest wait for its first token, in seconds.
	 */
	timeout_s: number;
}
/**
 * One provider with its health and models.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ProviderInfo".
 */
export interface ProviderInfo {
	/**
	 * Null for the local server.
	 */
	base_url: string | null;
	can_continue: boolean;
	enabled: boolean;
	has_key: boolean;
	health?: ProviderHealth;
	id: string;
	kind: 'local' | 'remote';
	local_network_only: boolean;
	/**
	 * Ids from its /v1/models.
	 */
	models?: string[];
	name: string;
	timeout_s: number | null;
}
/**
 * The last check of a provider's model list.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ProviderHealth".
 */
export interface ProviderHealth {
	/**
	 * When it was last checked (ISO-8601).
	 */
	checked_at: string | null;
	error: string | null;
	/**
	 * How long its model list took.
	 */
	latency_ms: number | null;
	/**
	 * Seconds until the next check (the backoff of an unreachable one).
	 */
	next_check_s: number | null;
	state: 'unknown' | 'ok' | 'unreachable' | 'auth_failed' | 'error' | 'disabled';
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "AddToolServerCommand".
 */
export interface AddToolServerCommand {
	params: AddToolServerParams;
	result: ToolServerInfo;
}
/**
 * A new server; its id is made from its name.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "AddToolServerParams".
 */
export interface AddToolServerParams {
	server: ToolServerSpec;
}
/**
 * How to reach one MCP server: a command for stdio, a URL for http and sse.
 *
 * ``env`` (stdio) and ``headers`` (http, sse) are secrets: ``null`` keeps a stored value.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ToolServerSpec".
 */
export interface ToolServerSpec {
	/**
	 * @maxItems 256
	 */
	args?: string[];
	command: string | null;
	cwd: string | null;
	enabled: boolean;
	env?: {
		[k: string]: string | null | undefined;
	};
	headers?: {
		[k: string]: string | null | undefined;
	};
	name: string;
	transport: 'stdio' | 'http' | 'sse';
	url: string | null;
}
/**
 * One MCP server as the page shows it: its set-up (secrets by name only) and its state.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ToolServerInfo".
 */
export interface ToolServerInfo {
	args: string[];
	command: string | null;
	cwd: string | null;
	enabled: boolean;
	env_names: string[];
	/**
	 * Why it failed, when it did.
	 */
	error: string | null;
	header_names: string[];
	id: string;
	name: string;
	/**
	 * What happens to a call of any of its tools.
	 */
	rule: 'ask' | 'allow' | 'deny';
	state: 'stopped' | 'starting' | 'ready' | 'failed';
	/**
	 * Its last stderr lines (stdio), secrets masked.
	 */
	stderr_tail?: string[];
	/**
	 * How many tools it offers (0 until it is ready).
	 */
	tool_count: number;
	/**
	 * Per-tool rules, overriding ``rule``.
	 */
	tool_rules?: {
		[k: string]: 'ask' | 'allow' | 'deny' | undefined;
	};
	transport: 'stdio' | 'http' | 'sse';
	url: string | null;
	/**
	 * Something odd it did that did not stop it.
	 */
	warning: string | null;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "AnswerFailoverCommand".
 */
export interface AnswerFailoverCommand {
	params: AnswerFailoverParams;
	result: FailoverAnswer;
}
/**
 * The user's choice for a paused answer's failover question.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "AnswerFailoverParams".
 */
export interface AnswerFailoverParams {
	choice: 'continue' | 'wait' | 'cancel';
	question_id: string;
}
/**
 * The choice taken for a question.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "FailoverAnswer".
 */
export interface FailoverAnswer {
	choice: 'continue' | 'wait' | 'cancel';
	question_id: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "AnswerToolCallCommand".
 */
export interface AnswerToolCallCommand {
	params: AnswerToolCallParams;
	result: ToolCallInfo;
}
/**
 * The user's choice for a call waiting for approval; ``reason`` goes to the model on deny.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "AnswerToolCallParams".
 */
export interface AnswerToolCallParams {
	call_id: string;
	decision: 'once' | 'always_tool' | 'always_server' | 'deny';
	message_id: string;
	reason?: string | null;
}
/**
 * One call a model made, its state, and the result the model got back.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ToolCallInfo".
 */
export interface ToolCallInfo {
	/**
	 * The arguments as the JSON text the model wrote.
	 */
	arguments: string;
	/**
	 * How long the tool ran.
	 */
	duration_ms: number | null;
	/**
	 * The call's id, unique within its message.
	 */
	id: string;
	/**
	 * The result reports an error.
	 */
	is_error: boolean;
	/**
	 * The function name the model called.
	 */
	name: string;
	/**
	 * The text sent back to the model (in every final state).
	 */
	result: string | null;
	/**
	 * The server offering it; null if unknown.
	 */
	server_id: string | null;
	server_name: string | null;
	state:
		| 'pending'
		| 'awaiting_approval'
		| 'running'
		| 'done'
		| 'failed'
		| 'denied'
		| 'invalid'
		| 'cancelled';
	/**
	 * The tool's own name on its server.
	 */
	tool: string | null;
	/**
	 * The result's full length in characters when it was cut.
	 */
	truncated_from: number | null;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "CancelDownloadCommand".
 */
export interface CancelDownloadCommand {
	params: DownloadRef;
	result: DownloadInfo[];
}
/**
 * Names one download (its file name).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "DownloadRef".
 */
export interface DownloadRef {
	download_id: string;
}
/**
 * One download into the models folder; its id is the file name.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "DownloadInfo".
 */
export interface DownloadInfo {
	bytes_done: number;
	error: string | null;
	eta_s: number | null;
	id: string;
	path: string;
	rate_bps: number | null;
	sha256: string | null;
	status: 'queued' | 'running' | 'paused' | 'failed' | 'done';
	total: number | null;
	url: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "CheckProviderCommand".
 */
export interface CheckProviderCommand {
	params: ProviderRef;
	result: ProviderInfo;
}
/**
 * One provider by id.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ProviderRef".
 */
export interface ProviderRef {
	provider_id: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "CheckRpcWorkersCommand".
 */
export interface CheckRpcWorkersCommand {
	params: EmptyParams;
	result: RpcStatus;
}
/**
 * No arguments.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "EmptyParams".
 */
export interface EmptyParams {}
/**
 * The workers, how the last launch spread the model, and the local worker.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "RpcStatus".
 */
export interface RpcStatus {
	/**
	 * Whether the model fitted at the last launch.
	 */
	fits: boolean | null;
	local: LocalWorkerInfo;
	/**
	 * The model the spread is for.
	 */
	model: string | null;
	/**
	 * What the last launch did about workers (one left out, memory short).
	 */
	note: string | null;
	/**
	 * Per device, at the last launch that used workers.
	 */
	spread?: RpcShare[];
	workers: RpcWorkerInfo[];
}
/**
 * The worker this app runs for other machines (Settings → run a worker on this machine).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "LocalWorkerInfo".
 */
export interface LocalWorkerInfo {
	address: string | null;
	error: string | null;
	state: 'off' | 'starting' | 'running' | 'restarting' | 'failed';
	/**
	 * Set when it listens on more than this machine: anyone there can use it.
	 */
	warning: string | null;
}
/**
 * The part of the model one worker's device holds at the last launch.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "RpcShare".
 */
export interface RpcShare {
	device: string;
	free_bytes: number;
	share_bytes: number;
	worker: string;
}
/**
 * One worker from the settings and what its last check found.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "RpcWorkerInfo".
 */
export interface RpcWorkerInfo {
	address: string;
	/**
	 * When it was last checked (ISO-8601).
	 */
	checked_at: string | null;
	devices?: RpcDeviceInfo[];
	enabled: boolean;
	error: string | null;
	free_bytes: number;
	/**
	 * reachable: answered its check; in_use: the running server holds it; refused / not_answering / not_a_worker / error: why it cannot be used (see error).
	 */
	state:
		'unknown' | 'reachable' | 'in_use' | 'refused' | 'not_answering' | 'not_a_worker' | 'error';
}
/**
 * One device a worker offers, as llama-server lists it.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "RpcDeviceInfo".
 */
export interface RpcDeviceInfo {
	description: string;
	free_bytes: number;
	name: string;
	total_bytes: number;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ClearConversationCommand".
 */
export interface ClearConversationCommand {
	params: ConversationRef;
	result: Conversation;
}
/**
 * Names one conversation.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ConversationRef".
 */
export interface ConversationRef {
	conversation_id: string;
}
/**
 * A conversation with its settings and the messages of its active branch, root first.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "Conversation".
 */
export interface Conversation {
	created_at: string;
	id: string;
	message_count: number;
	messages?: Message[];
	model: string | null;
	options?: ConversationOptions;
	params?: {
		[k: string]: number | null | undefined;
	};
	pinned: boolean;
	/**
	 * The provider that answers (see providers).
	 */
	provider_id: string;
	/**
	 * Its model; null: the local server's loaded one, or the first listed.
	 */
	provider_model: string | null;
	queue?: MessageQueue;
	/**
	 * The answer streaming here now (its text so far is in messages), or null.
	 */
	stream: LiveStream | null;
	system_prompt: string | null;
	title: string;
	updated_at: string;
}
/**
 * One node of a conversation's message tree.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "Message".
 */
export interface Message {
	/**
	 * The files attached to this (user) message, in order: its other parts.
	 */
	attachments?: Attachment[];
	content: string;
	conversation_id: string;
	created_at: string;
	error: string | null;
	/**
	 * Set when the answer fell back from the chosen provider: what happened (e.g. finished by another provider after the local server was lost mid-answer).
	 */
	failover: string | null;
	id: string;
	model: string | null;
	parent_id: string | null;
	/**
	 * Each generated token's probability and top alternatives, when the conversation asked for them (options.token_probs); null otherwise.
	 */
	probs?: TokenProb[] | null;
	/**
	 * The provider that wrote this answer.
	 */
	provider_id: string | null;
	/**
	 * Its name when it wrote the answer.
	 */
	provider_name: string | null;
	reasoning: string;
	/**
	 * How long the model thought before answering, in milliseconds.
	 */
	reasoning_ms?: number | null;
	role: 'system' | 'user' | 'assistant';
	/**
	 * Ids of this message and its siblings, oldest first.
	 */
	sibling_ids?: string[];
	status: 'streaming' | 'complete' | 'cancelled' | 'error';
	timings: Timings | null;
	/**
	 * The tools the model called in this message, each with its state and result; the answer goes on in the next assistant message.
	 */
	tool_calls?: ToolCallInfo[];
}
/**
 * A stored file as one part of a message (or of the form before sending).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "Attachment".
 */
export interface Attachment {
	/**
	 * Characters of extracted text (of the pages chosen).
	 */
	char_count: number;
	/**
	 * The first page sent (null: from the start).
	 */
	first_page: number | null;
	/**
	 * SHA-256 of the file's bytes: where it is stored.
	 */
	id: string;
	kind: 'document' | 'image';
	/**
	 * The last page sent (null: to the end).
	 */
	last_page: number | null;
	mime_type: string;
	name: string;
	/**
	 * A PDF's number of pages.
	 */
	page_count: number | null;
	/**
	 * The file's size in bytes.
	 */
	size: number;
}
/**
 * One generated token: its text, its probability, and the most likely alternatives.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "TokenProb".
 */
export interface TokenProb {
	prob: number;
	token: string;
	top?: TokenAlternative[];
}
/**
 * A token the model could have produced at that place, and its probability.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "TokenAlternative".
 */
export interface TokenAlternative {
	prob: number;
	token: string;
}
/**
 * How long an answer took, from llama-server's ``timings``.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "Timings".
 */
export interface Timings {
	cache_n: number;
	/**
	 * Tokens drafted by speculative decoding (null when it is off).
	 */
	draft_n?: number | null;
	/**
	 * Drafted tokens the model accepted (null when off).
	 */
	draft_n_accepted?: number | null;
	predicted_ms: number;
	predicted_n: number;
	predicted_per_second: number | null;
	prompt_ms: number;
	prompt_n: number;
}
/**
 * Stop sequences, token probabilities, reasoning effort and budget.
 */
export interface ConversationOptions {
	/**
	 * At most this many tokens of thinking per answer (reasoning_budget_tokens); -1 is unlimited, 0 ends thinking at once, null uses the server's --reasoning-budget.
	 */
	reasoning_budget: number | null;
	/**
	 * How hard a model that thinks should think (reasoning_effort); null keeps the template's default, none turns thinking off.
	 */
	reasoning_effort: ('none' | 'minimal' | 'low' | 'medium' | 'high') | null;
	/**
	 * The answer ends before any of these strings (not included in it); at most 16.
	 */
	stop?: string[];
	/**
	 * Keep each generated token's probability and its top N alternatives (llama-server's n_probs); 0 asks for and stores nothing.
	 */
	token_probs: number;
}
/**
 * Messages waiting to be sent after the answer on its way, next first.
 */
export interface MessageQueue {
	/**
	 * paused 'error': what the failed answer said.
	 */
	error: string | null;
	messages: QueuedMessage[];
	/**
	 * Set while the queue waits: the last answer was stopped or failed; resume_queue goes on, send_queued_now sends one message and keeps it paused.
	 */
	paused: ('stopped' | 'error') | null;
}
/**
 * One message waiting in a conversation's queue.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "QueuedMessage".
 */
export interface QueuedMessage {
	content: string;
	conversation_id: string;
	created_at: string;
	id: string;
}
/**
 * The answer streaming in a conversation now, for a page that opens it mid-answer.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "LiveStream".
 */
export interface LiveStream {
	/**
	 * The message the stream writes to now.
	 */
	message_id: string;
	/**
	 * The last prompt progress, while the prompt is being read.
	 */
	progress: PromptProgress | null;
	/**
	 * The failover question the answer is paused on (an ask rule).
	 */
	question: FailoverQuestion | null;
	stream_id: string;
}
/**
 * llama-server's ``prompt_progress``: how much of the prompt has been read.
 *
 * ``total`` and ``processed`` count the tokens taken from the slot's cache too, so the tokens
 * to read are ``total - cache`` and those read so far ``processed - cache``.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "PromptProgress".
 */
export interface PromptProgress {
	/**
	 * Tokens of the prompt found in the slot's cache.
	 */
	cache: number;
	/**
	 * Tokens of the prompt ready (cache included).
	 */
	processed: number;
	/**
	 * Milliseconds spent reading so far.
	 */
	time_ms: number;
	/**
	 * Tokens in the whole prompt.
	 */
	total: number;
}
/**
 * An answer paused under an ``ask`` rule: may ``to`` take over from ``from``?
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "FailoverQuestion".
 */
export interface FailoverQuestion {
	conversation_id: string;
	/**
	 * The answer had begun: its text so far would be continued.
	 */
	cut: boolean;
	from_provider_id: string;
	from_provider_name: string;
	/**
	 * Names the question in answer_failover.
	 */
	id: string;
	message_id: string;
	/**
	 * Why the provider is not answering.
	 */
	reason: string;
	stream_id: string;
	/**
	 * The question as the page shows it.
	 */
	text: string;
	to_model: string;
	to_provider_id: string;
	to_provider_name: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ClearFinishedDownloadsCommand".
 */
export interface ClearFinishedDownloadsCommand {
	params: EmptyParams;
	result: DownloadInfo[];
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ContinueMessageCommand".
 */
export interface ContinueMessageCommand {
	params: MessageRef;
	result: StreamStarted;
}
/**
 * Names one message.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "MessageRef".
 */
export interface MessageRef {
	message_id: string;
}
/**
 * Answer of the streaming commands: the ids to match later stream events with.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "StreamStarted".
 */
export interface StreamStarted {
	assistant_message: Message;
	conversation_id: string;
	stream_id: string;
	user_message: Message | null;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "CountMessageTokensCommand".
 */
export interface CountMessageTokensCommand {
	params: CountTokensParams;
	result: TokenCounts;
}
/**
 * What the form would send: its text and attachments, into which conversation.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "CountTokensParams".
 */
export interface CountTokensParams {
	/**
	 * @maxItems 100
	 */
	attachments?: AttachmentChoice[];
	content?: string;
	conversation_id?: string | null;
}
/**
 * An attachment to send with a message, optionally only some of its pages (PDF).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "AttachmentChoice".
 */
export interface AttachmentChoice {
	first_page: number | null;
	id: string;
	last_page: number | null;
	name: string;
}
/**
 * Token counts of a message about to be sent, against the context left.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "TokenCounts".
 */
export interface TokenCounts {
	attachments: AttachmentTokens[];
	/**
	 * Tokens left for this message and its answer (context_size - context_used).
	 */
	context_left: number;
	/**
	 * Tokens one answer's context holds (a server slot).
	 */
	context_size: number;
	/**
	 * Tokens the conversation so far takes.
	 */
	context_used: number;
	text_tokens: number;
}
/**
 * How many tokens one attachment takes as sent (its label included).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "AttachmentTokens".
 */
export interface AttachmentTokens {
	id: string;
	name: string;
	tokens: number;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "CreateConversationCommand".
 */
export interface CreateConversationCommand {
	params: CreateConversationParams;
	result: Conversation;
}
/**
 * A new, empty conversation.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "CreateConversationParams".
 */
export interface CreateConversationParams {
	title?: string | null;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "DeleteConversationCommand".
 */
export interface DeleteConversationCommand {
	params: ConversationRef;
	result: Deleted;
}
/**
 * Answer of delete commands.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "Deleted".
 */
export interface Deleted {
	deleted: boolean;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "DeleteMessageCommand".
 */
export interface DeleteMessageCommand {
	params: MessageRef;
	result: Conversation;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "DeleteQueuedMessageCommand".
 */
export interface DeleteQueuedMessageCommand {
	params: QueuedMessageRef;
	result: MessageQueue1;
}
/**
 * Names one queued message.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "QueuedMessageRef".
 */
export interface QueuedMessageRef {
	queued_id: string;
}
/**
 * A conversation's queued messages, next first, and whether the queue waits for the user.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "MessageQueue".
 */
export interface MessageQueue1 {
	/**
	 * paused 'error': what the failed answer said.
	 */
	error: string | null;
	messages: QueuedMessage[];
	/**
	 * Set while the queue waits: the last answer was stopped or failed; resume_queue goes on, send_queued_now sends one message and keeps it paused.
	 */
	paused: ('stopped' | 'error') | null;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "DownloadModelCommand".
 */
export interface DownloadModelCommand {
	params: DownloadModelParams;
	result: DownloadInfo;
}
/**
 * A GGUF to download into the models folder, its file name, and its SHA-256 to check.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "DownloadModelParams".
 */
export interface DownloadModelParams {
	filename?: string | null;
	sha256?: string | null;
	url: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "EditMessageCommand".
 */
export interface EditMessageCommand {
	params: EditMessageParams;
	result: StreamStarted;
}
/**
 * New text for a user message; it becomes a sibling branch.
 *
 * ``attachments`` null keeps the original message's attachments; a list replaces them.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "EditMessageParams".
 */
export interface EditMessageParams {
	attachments?: AttachmentChoice[] | null;
	content: string;
	message_id: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ExportConversationsCommand".
 */
export interface ExportConversationsCommand {
	params: ExportParams;
	result: ExportResult;
}
/**
 * Which conversations (all when null) and in which format.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ExportParams".
 */
export interface ExportParams {
	conversation_ids?: string[] | null;
	format?: 'json' | 'markdown';
}
/**
 * An exported document and a file name to save it under.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ExportResult".
 */
export interface ExportResult {
	content: string;
	filename: string;
	format: 'json' | 'markdown';
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ExportToolServersCommand".
 */
export interface ExportToolServersCommand {
	params: EmptyParams;
	result: ExportToolServersResult;
}
/**
 * An ``mcp.json`` document (secrets left out) and a file name to save it under.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ExportToolServersResult".
 */
export interface ExportToolServersResult {
	content: string;
	filename: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "GetAboutCommand".
 */
export interface GetAboutCommand {
	params: EmptyParams;
	result: About;
}
/**
 * Answer of ``get_about``: what the settings page's About section shows.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "About".
 */
export interface About {
	app_version: string;
	/**
	 * The CPU code a portable engine loaded here, e.g. haswell; None otherwise.
	 */
	cpu_variant: string | null;
	default_model: string;
	engine_path: string | null;
	/**
	 * The llama.cpp source the engine is built from.
	 */
	engine_pin: string;
	/**
	 * Why no engine could be found, if so.
	 */
	engine_problem: string | null;
	engine_source: ('settings' | 'env' | 'bundled' | 'path' | 'cache') | null;
	/**
	 * llama-server's --version; None if none.
	 */
	engine_version: string | null;
	/**
	 * Running from the package, not from a source checkout.
	 */
	packaged: boolean;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "GetAttachmentImageCommand".
 */
export interface GetAttachmentImageCommand {
	params: AttachmentImageParams;
	result: AttachmentImage;
}
/**
 * An attached image to show, scaled down to a longest side (a thumbnail, or larger).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "AttachmentImageParams".
 */
export interface AttachmentImageParams {
	id: string;
	/**
	 * The longest side of the image returned, in pixels.
	 */
	max_side?: number;
}
/**
 * An attached image as the page shows it: scaled down, as PNG or JPEG, base64.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "AttachmentImage".
 */
export interface AttachmentImage {
	/**
	 * The image's bytes, base64.
	 */
	data: string;
	height: number;
	id: string;
	/**
	 * image/png or image/jpeg (a GIF gives its first frame).
	 */
	mime_type: string;
	/**
	 * The stored image's height, before scaling.
	 */
	source_height: number;
	/**
	 * The stored image's width, before scaling.
	 */
	source_width: number;
	width: number;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "GetAttachmentTextCommand".
 */
export interface GetAttachmentTextCommand {
	params: AttachmentRef;
	result: AttachmentText;
}
/**
 * Names a stored attachment, optionally some of its pages.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "AttachmentRef".
 */
export interface AttachmentRef {
	first_page?: number | null;
	id: string;
	last_page?: number | null;
}
/**
 * The text extracted from an attachment (of the pages asked for).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "AttachmentText".
 */
export interface AttachmentText {
	attachment: Attachment;
	text: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "GetConfigCommand".
 */
export interface GetConfigCommand {
	params: EmptyParams;
	result: ConfigView;
}
/**
 * Effective settings, where each value came from, and the JSON schema for the form.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ConfigView".
 */
export interface ConfigView {
	json_schema: {
		[k: string]: unknown | undefined;
	};
	/**
	 * Fields set by env or flags; the page cannot change them.
	 */
	locked?: string[];
	sources: {
		[k: string]: 'default' | 'file' | 'dotenv' | 'env' | 'cli' | undefined;
	};
	values: {
		[k: string]: unknown | undefined;
	};
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "GetContextUsageCommand".
 */
export interface GetContextUsageCommand {
	params: ContextUsageParams;
	result: ContextUsage;
}
/**
 * A conversation (null: a new chat) and the message being typed, not sent yet.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ContextUsageParams".
 */
export interface ContextUsageParams {
	conversation_id?: string | null;
	draft?: string;
}
/**
 * Tokens the next prompt would take (system prompt, the active branch and the draft, as
 * the model's chat template writes them), of the context one slot holds.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ContextUsage".
 */
export interface ContextUsage {
	/**
	 * Of which the draft takes this many.
	 */
	draft_tokens: number;
	/**
	 * Whether the oldest turns are dropped when a prompt does not fit.
	 */
	drop_oldest_turns: boolean;
	/**
	 * The answer's limit (Settings → Generation), null when unset.
	 */
	max_tokens: number | null;
	/**
	 * Tokens one slot holds: the prompt plus the answer.
	 */
	n_ctx: number;
	/**
	 * The next prompt's tokens, the draft included.
	 */
	prompt_tokens: number;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "GetConversationCommand".
 */
export interface GetConversationCommand {
	params: ConversationRef;
	result: Conversation;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "GetDatabaseRecoveryCommand".
 */
export interface GetDatabaseRecoveryCommand {
	params: EmptyParams;
	result: DatabaseRecovery | null;
}
/**
 * What start-up did with a damaged conversation database.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "DatabaseRecovery".
 */
export interface DatabaseRecovery {
	/**
	 * Conversations in the recovered database.
	 */
	conversations: number;
	/**
	 * Where the original file is now, untouched.
	 */
	damaged_path: string;
	/**
	 * Messages in the recovered database.
	 */
	messages: number;
	/**
	 * The newest backup made before the recovery: it may hold more.
	 */
	newest_backup: BackupInfo | null;
	/**
	 * What was wrong with the file.
	 */
	problem: string;
	/**
	 * When, ISO-8601 UTC.
	 */
	recovered_at: string;
	/**
	 * Parts of the file that could not be read.
	 */
	unreadable_pages: number;
}
/**
 * One daily backup of the conversations.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "BackupInfo".
 */
export interface BackupInfo {
	/**
	 * When it was made, ISO-8601 UTC.
	 */
	created_at: string;
	name: string;
	size_bytes: number;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "GetLocalApiStatusCommand".
 */
export interface GetLocalApiStatusCommand {
	params: EmptyParams;
	result: LocalApiStatus;
}
/**
 * The local OpenAI-compatible server: its state, its URL and key, the model it serves.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "LocalApiStatus".
 */
export interface LocalApiStatus {
	/**
	 * The key other apps send as Authorization: Bearer KEY.
	 */
	api_key: string;
	/**
	 * Why it is not running, when it failed.
	 */
	error: string | null;
	/**
	 * Where the key is kept (the OS keyring or a 0600 file).
	 */
	key_store: string;
	/**
	 * The model id requests name: the model selected in LlamaDesk.
	 */
	model: string | null;
	/**
	 * The port it listens on, or would (Settings → Local API).
	 */
	port: number;
	/**
	 * off: the switch is off; starting; running: answering at url; failed: it could not start (see error), e.g. the port is taken.
	 */
	state: 'off' | 'starting' | 'running' | 'failed';
	/**
	 * The base URL other apps use (http://127.0.0.1:PORT/v1) while running.
	 */
	url: string | null;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "GetModelSettingsCommand".
 */
export interface GetModelSettingsCommand {
	params: ModelRef;
	result: ModelSettings;
}
/**
 * Names one model.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ModelRef".
 */
export interface ModelRef {
	model_id: string;
}
/**
 * How one model loads; a null field inherits the engine setting of the same name.
 *
 * Bounds match ``EngineSettings``. Saved settings apply at the model's next (re)start. It is
 * an argument too (``save_model_settings``), so it is strict like ``Params``. Speculative
 * decoding (``SpeculationSettings``: the method, the draft model and the sizes) is the model's
 * own: null is off, or the default size (LlamaDesk's for an n-gram method).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ModelSettings".
 */
export interface ModelSettings {
	/**
	 * A Jinja chat template file to use instead of the model's own.
	 */
	chat_template_file: string | null;
	/**
	 * Context window in tokens.
	 */
	context_size: number | null;
	/**
	 * Most tokens drafted at a time (--spec-draft-n-max for a draft model, the n-gram method's own maximum); null is llama-server's default for a draft model, LlamaDesk's for an n-gram method.
	 */
	draft_max?: number | null;
	/**
	 * Fewest tokens a draft must have to be tried (--spec-draft-n-min, or ngram-mod's minimum); null is llama-server's default for a draft model, LlamaDesk's for ngram-mod.
	 */
	draft_min?: number | null;
	/**
	 * A listed model that drafts tokens for this one (-md); it must share this model's vocabulary. Null: no draft model.
	 */
	draft_model_id?: string | null;
	/**
	 * Extra llama-server arguments, replacing the global ones.
	 */
	extra_args: string[] | null;
	/**
	 * Layers offloaded to the GPU; -1 offloads all.
	 */
	gpu_layers: number | null;
	/**
	 * A vision projector (mmproj GGUF) to load with the model (--mmproj); empty uses the one found beside the model file.
	 */
	mmproj_file: string | null;
	/**
	 * Tokens that must match earlier text before an n-gram draft (--spec-ngram-*-size-n, ngram-mod's --spec-ngram-mod-n-match); null is LlamaDesk's size for the method (NGRAM_SIZES).
	 */
	ngram_lookup?: number | null;
	/**
	 * N-gram speculative decoding (--spec-type): drafts tokens from text already in the conversation, no second model needed; null is off. Faster when answers repeat it (editing code, rewriting a text); ngram-mod is recommended.
	 */
	speculation?:
		('ngram-simple' | 'ngram-map-k' | 'ngram-map-k4v' | 'ngram-mod' | 'ngram-cache') | null;
	/**
	 * CPU threads; 0 lets llama-server decide.
	 */
	threads: number | null;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "GetRpcStatusCommand".
 */
export interface GetRpcStatusCommand {
	params: EmptyParams;
	result: RpcStatus;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "GetServerDefaultsCommand".
 */
export interface GetServerDefaultsCommand {
	params: EmptyParams;
	result: ServerDefaults | null;
}
/**
 * llama-server's own sampling defaults (``/props``): what an empty generation setting uses.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ServerDefaults".
 */
export interface ServerDefaults {
	max_tokens: number | null;
	min_p: number | null;
	repeat_penalty: number | null;
	seed: number | null;
	/**
	 * Whether the template takes a reasoning effort (``chat_template_caps.supports_reasoning_effort``); null when the server does not say.
	 */
	supports_reasoning_effort?: boolean | null;
	/**
	 * Whether the loaded model's chat template can take tools (``chat_template_caps.supports_tools``); null when the server does not say.
	 */
	supports_tools: boolean | null;
	temperature: number | null;
	top_k: number | null;
	top_p: number | null;
	/**
	 * Whether the loaded model can see images (``modalities.vision``: it was loaded with a vision projector); null when the server does not say.
	 */
	vision: boolean | null;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "GetServerLogsCommand".
 */
export interface GetServerLogsCommand {
	params: LogsParams;
	result: ServerLogs;
}
/**
 * How many of the server's last log lines.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "LogsParams".
 */
export interface LogsParams {
	lines?: number;
}
/**
 * The last lines llama-server wrote.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ServerLogs".
 */
export interface ServerLogs {
	lines: string[];
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "GetServerStatusCommand".
 */
export interface GetServerStatusCommand {
	params: EmptyParams;
	result: ServerStatus;
}
/**
 * The monitor's state: the only source of truth for the header's status.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ServerStatus".
 */
export interface ServerStatus {
	/**
	 * Seconds spent in the current state.
	 */
	elapsed_s: number | null;
	/**
	 * What the user can do about last_error.
	 */
	hint: string | null;
	last_error: string | null;
	model: string | null;
	pid: number | null;
	port: number | null;
	restarts: number;
	state: 'stopped' | 'starting' | 'ready' | 'unhealthy' | 'crashed' | 'restarting' | 'failed';
	uptime_s: number | null;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ImportConversationsCommand".
 */
export interface ImportConversationsCommand {
	params: ImportParams;
	result: ImportResult;
}
/**
 * A document produced by ``export_conversations`` in JSON format (text or parsed).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ImportParams".
 */
export interface ImportParams {
	data:
		| string
		| {
				[k: string]: unknown | undefined;
		  };
}
/**
 * The ids of the conversations an import created.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ImportResult".
 */
export interface ImportResult {
	conversation_ids: string[];
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ImportToolServersCommand".
 */
export interface ImportToolServersCommand {
	params: ImportToolServersParams;
	result: ImportToolServersResult;
}
/**
 * An ``mcp.json`` document: ``{"mcpServers": {"name": {...}}}`` (text or parsed).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ImportToolServersParams".
 */
export interface ImportToolServersParams {
	data:
		| string
		| {
				[k: string]: unknown | undefined;
		  };
}
/**
 * The servers an import added, and every server after it.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ImportToolServersResult".
 */
export interface ImportToolServersResult {
	added: string[];
	servers: ToolServers;
}
/**
 * Every configured server, and where their secrets are kept.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ToolServers".
 */
export interface ToolServers {
	/**
	 * The OS keyring's name, or the secrets file's path.
	 */
	secret_storage: string;
	servers: ToolServerInfo[];
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ListBackupsCommand".
 */
export interface ListBackupsCommand {
	params: EmptyParams;
	result: BackupList;
}
/**
 * The backups, newest first, and the folder that holds them.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "BackupList".
 */
export interface BackupList {
	backups: BackupInfo[];
	folder: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ListConversationsCommand".
 */
export interface ListConversationsCommand {
	params: ListConversationsParams;
	result: ConversationSummary[];
}
/**
 * A page of the conversation list (``limit`` null: every conversation from ``offset``).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ListConversationsParams".
 */
export interface ListConversationsParams {
	limit?: number | null;
	offset?: number;
}
/**
 * A conversation as the sidebar lists it.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ConversationSummary".
 */
export interface ConversationSummary {
	created_at: string;
	id: string;
	message_count: number;
	model: string | null;
	pinned: boolean;
	title: string;
	updated_at: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ListDownloadsCommand".
 */
export interface ListDownloadsCommand {
	params: EmptyParams;
	result: DownloadInfo[];
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ListModelsCommand".
 */
export interface ListModelsCommand {
	params: EmptyParams;
	result: ModelInfo[];
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ListProvidersCommand".
 */
export interface ListProvidersCommand {
	params: EmptyParams;
	result: Providers;
}
/**
 * Every provider (local first), the failover rules and the fallbacks in force.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "Providers".
 */
export interface Providers {
	failover?: FailoverRule[];
	fallbacks?: Fallback[];
	/**
	 * Where API keys are kept (keyring or 0600 file).
	 */
	key_store: string;
	providers: ProviderInfo[];
}
/**
 * What happens when a primary (provider, model) cannot answer.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "FailoverRule".
 */
export interface FailoverRule {
	/**
	 * The primary's model ('*' for any model).
	 */
	model: string;
	policy: 'off' | 'ask' | 'automatic';
	provider_id: string;
	/**
	 * @maxItems 16
	 */
	targets?:
		| []
		| [FailoverTarget]
		| [FailoverTarget, FailoverTarget]
		| [FailoverTarget, FailoverTarget, FailoverTarget]
		| [FailoverTarget, FailoverTarget, FailoverTarget, FailoverTarget]
		| [FailoverTarget, FailoverTarget, FailoverTarget, FailoverTarget, FailoverTarget]
		| [
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget
		  ]
		| [
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget
		  ]
		| [
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget
		  ]
		| [
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget
		  ]
		| [
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget
		  ]
		| [
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget
		  ]
		| [
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget
		  ]
		| [
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget
		  ]
		| [
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget
		  ]
		| [
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget
		  ]
		| [
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget,
				FailoverTarget
		  ];
}
/**
 * One step of a failover list: a provider and one of its models.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "FailoverTarget".
 */
export interface FailoverTarget {
	model: string;
	provider_id: string;
}
/**
 * A primary being stood in for: new answers go to ``to`` until the primary is healthy.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "Fallback".
 */
export interface Fallback {
	model: string;
	provider_id: string;
	/**
	 * The primary's name (the banner names it).
	 */
	provider_name: string;
	reason: string;
	since: string;
	to_model: string;
	to_provider_id: string;
	to_provider_name: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ListToolServersCommand".
 */
export interface ListToolServersCommand {
	params: EmptyParams;
	result: ToolServers;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ListToolsCommand".
 */
export interface ListToolsCommand {
	params: ListToolsParams;
	result: ToolInfo[];
}
/**
 * The tools of one server (started when enabled and not running), or of every ready one.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ListToolsParams".
 */
export interface ListToolsParams {
	server_id?: string | null;
}
/**
 * One tool a ready server offers, and the rule its calls follow.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ToolInfo".
 */
export interface ToolInfo {
	description: string;
	input_schema: {
		[k: string]: unknown | undefined;
	};
	name: string;
	/**
	 * The tool's own rule, or else its server's.
	 */
	rule: 'ask' | 'allow' | 'deny';
	server_id: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "OpenExternalCommand".
 */
export interface OpenExternalCommand {
	params: OpenExternalParams;
	result: Opened;
}
/**
 * A link from the page to open in the system browser (http, https or mailto).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "OpenExternalParams".
 */
export interface OpenExternalParams {
	url: string;
}
/**
 * Answer of ``open_external``.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "Opened".
 */
export interface Opened {
	opened: boolean;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "PickAttachmentsCommand".
 */
export interface PickAttachmentsCommand {
	params: EmptyParams;
	result: PickedAttachments;
}
/**
 * The files chosen in the window's file dialog: those attached, those refused.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "PickedAttachments".
 */
export interface PickedAttachments {
	attachments: Attachment[];
	refused?: RefusedFile[];
}
/**
 * A picked file that could not be attached, and why.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "RefusedFile".
 */
export interface RefusedFile {
	message: string;
	name: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "PickModelFileCommand".
 */
export interface PickModelFileCommand {
	params: EmptyParams;
	result: PickedFile;
}
/**
 * Answer of ``pick_model_file``: the chosen file's path, or null when cancelled.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "PickedFile".
 */
export interface PickedFile {
	path: string | null;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "PinConversationCommand".
 */
export interface PinConversationCommand {
	params: PinConversationParams;
	result: ConversationSummary;
}
/**
 * Pin or unpin a conversation.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "PinConversationParams".
 */
export interface PinConversationParams {
	conversation_id: string;
	pinned: boolean;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "QueueMessageCommand".
 */
export interface QueueMessageCommand {
	params: QueueMessageParams;
	result: MessageQueue1;
}
/**
 * A message to send after the conversation's running answer (at once when none runs
 * and the queue is not paused).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "QueueMessageParams".
 */
export interface QueueMessageParams {
	/**
	 * The message's text (not only blanks).
	 */
	content: string;
	conversation_id: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ReadAheadDraftCommand".
 */
export interface ReadAheadDraftCommand {
	params: ReadAheadDraftParams;
	result: DraftRead;
}
/**
 * A conversation and the message being typed in it, read ahead into its slot.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ReadAheadDraftParams".
 */
export interface ReadAheadDraftParams {
	conversation_id: string;
	text: string;
}
/**
 * What reading a draft ahead did.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "DraftRead".
 */
export interface DraftRead {
	/**
	 * Tokens read into the slot (0: skipped, or left to the read under way).
	 */
	tokens: number;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "RefreshModelsCommand".
 */
export interface RefreshModelsCommand {
	params: EmptyParams;
	result: ModelInfo[];
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "RegenerateFromTokenCommand".
 */
export interface RegenerateFromTokenCommand {
	params: RegenerateFromTokenParams;
	result: StreamStarted;
}
/**
 * A new answer beside ``message_id`` that keeps its first ``index`` tokens, then ``token``.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "RegenerateFromTokenParams".
 */
export interface RegenerateFromTokenParams {
	index: number;
	message_id: string;
	token: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "RegenerateLocalApiKeyCommand".
 */
export interface RegenerateLocalApiKeyCommand {
	params: EmptyParams;
	result: LocalApiStatus;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "RegenerateMessageCommand".
 */
export interface RegenerateMessageCommand {
	params: MessageRef;
	result: StreamStarted;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "RemoveModelCommand".
 */
export interface RemoveModelCommand {
	params: RemoveModelParams;
	result: ModelInfo[];
}
/**
 * A model to take off the list; its file is deleted only when ``delete_file`` is true.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "RemoveModelParams".
 */
export interface RemoveModelParams {
	delete_file: boolean;
	model_id: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "RemoveProviderCommand".
 */
export interface RemoveProviderCommand {
	params: ProviderRef;
	result: Providers;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "RemoveToolServerCommand".
 */
export interface RemoveToolServerCommand {
	params: ToolServerRef;
	result: ToolServers;
}
/**
 * Names one server.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ToolServerRef".
 */
export interface ToolServerRef {
	server_id: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "RenameConversationCommand".
 */
export interface RenameConversationCommand {
	params: RenameConversationParams;
	result: ConversationSummary;
}
/**
 * A conversation's new title.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "RenameConversationParams".
 */
export interface RenameConversationParams {
	conversation_id: string;
	title: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "RestartServerCommand".
 */
export interface RestartServerCommand {
	params: EmptyParams;
	result: ServerStatus;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "RestartToolServerCommand".
 */
export interface RestartToolServerCommand {
	params: ToolServerRef;
	result: ToolServerInfo;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "RestoreBackupCommand".
 */
export interface RestoreBackupCommand {
	params: RestoreBackupParams;
	result: RestoredBackup;
}
/**
 * Which backup to restore (a name from ``list_backups``).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "RestoreBackupParams".
 */
export interface RestoreBackupParams {
	name: string;
}
/**
 * The backup now in use, and where the conversations from before it were kept.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "RestoredBackup".
 */
export interface RestoredBackup {
	backup: BackupInfo;
	kept_aside: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ResumeQueueCommand".
 */
export interface ResumeQueueCommand {
	params: ConversationRef;
	result: MessageQueue1;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "SaveConfigCommand".
 */
export interface SaveConfigCommand {
	params: SaveConfigParams;
	result: SaveConfigResult;
}
/**
 * A partial settings update, nested like the settings model.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "SaveConfigParams".
 */
export interface SaveConfigParams {
	config: {
		[k: string]: unknown | undefined;
	};
}
/**
 * Outcome of a valid save.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "SaveConfigResult".
 */
export interface SaveConfigResult {
	changed: string[];
	restart_required: boolean;
	values: {
		[k: string]: unknown | undefined;
	};
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "SaveModelSettingsCommand".
 */
export interface SaveModelSettingsCommand {
	params: SaveModelSettingsParams;
	result: ModelSettings;
}
/**
 * A model's load settings, replacing the saved ones (null fields inherit the engine's).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "SaveModelSettingsParams".
 */
export interface SaveModelSettingsParams {
	model_id: string;
	settings: ModelSettings;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "SearchConversationsCommand".
 */
export interface SearchConversationsCommand {
	params: SearchParams;
	result: SearchHit[];
}
/**
 * A full-text query over titles and messages.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "SearchParams".
 */
export interface SearchParams {
	limit?: number;
	query: string;
}
/**
 * One full-text search result.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "SearchHit".
 */
export interface SearchHit {
	conversation_id: string;
	message_id: string | null;
	rank: number;
	snippet: string;
	title: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "SelectBranchCommand".
 */
export interface SelectBranchCommand {
	params: MessageRef;
	result: Conversation;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "SelectModelCommand".
 */
export interface SelectModelCommand {
	params: SelectModelParams;
	result: ModelInfo;
}
/**
 * The model to load.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "SelectModelParams".
 */
export interface SelectModelParams {
	model_id: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "SendChatMessageCommand".
 */
export interface SendChatMessageCommand {
	params: SendMessageParams;
	result: Message;
}
/**
 * A new user message for a conversation: its text and the files attached to it.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "SendMessageParams".
 */
export interface SendMessageParams {
	/**
	 * @maxItems 100
	 */
	attachments?: AttachmentChoice[];
	/**
	 * The text (may be empty with files).
	 */
	content: string;
	conversation_id: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "SendChatMessageStreamCommand".
 */
export interface SendChatMessageStreamCommand {
	params: SendMessageParams;
	result: StreamStarted;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "SendQueuedNowCommand".
 */
export interface SendQueuedNowCommand {
	params: QueuedMessageRef;
	result: StreamStarted;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "SetConversationProviderCommand".
 */
export interface SetConversationProviderCommand {
	params: SetConversationProviderParams;
	result: Conversation;
}
/**
 * Which provider and model answer a conversation from now on.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "SetConversationProviderParams".
 */
export interface SetConversationProviderParams {
	conversation_id: string;
	/**
	 * Null: the provider's first model (local: the loaded).
	 */
	model?: string | null;
	provider_id: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "SetFailoverCommand".
 */
export interface SetFailoverCommand {
	params: SetFailoverParams;
	result: Providers;
}
/**
 * Replace the failover rule of ``rule``'s primary (no targets and policy off removes it).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "SetFailoverParams".
 */
export interface SetFailoverParams {
	rule: FailoverRule;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "SetToolRuleCommand".
 */
export interface SetToolRuleCommand {
	params: SetToolRuleParams;
	result: ToolServerInfo;
}
/**
 * A rule for a whole server (``tool`` null), or for one of its tools (``rule`` null: the
 * tool follows its server's rule again).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "SetToolRuleParams".
 */
export interface SetToolRuleParams {
	rule: ('ask' | 'allow' | 'deny') | null;
	server_id: string;
	tool?: string | null;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "SetToolServerEnabledCommand".
 */
export interface SetToolServerEnabledCommand {
	params: SetToolServerEnabledParams;
	result: ToolServerInfo;
}
/**
 * Enable (it starts) or disable (it stops) a server.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "SetToolServerEnabledParams".
 */
export interface SetToolServerEnabledParams {
	enabled: boolean;
	server_id: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "StartServerCommand".
 */
export interface StartServerCommand {
	params: EmptyParams;
	result: ServerStatus;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "StopGenerationCommand".
 */
export interface StopGenerationCommand {
	params: ConversationRef;
	result: Stopped;
}
/**
 * Answer of ``stop_generation``: whether a generation was running.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "Stopped".
 */
export interface Stopped {
	stopped: boolean;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "StopServerCommand".
 */
export interface StopServerCommand {
	params: EmptyParams;
	result: ServerStatus;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "StopThinkingCommand".
 */
export interface StopThinkingCommand {
	params: ConversationRef;
	result: ThinkingEnded;
}
/**
 * Answer of ``stop_thinking``: whether the model was still thinking and was told to stop.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ThinkingEnded".
 */
export interface ThinkingEnded {
	ended: boolean;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "UnloadModelCommand".
 */
export interface UnloadModelCommand {
	params: ModelRef;
	result: ModelInfo[];
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "UpdateConversationSettingsCommand".
 */
export interface UpdateConversationSettingsCommand {
	params: UpdateConversationSettingsParams;
	result: Conversation;
}
/**
 * A conversation's own settings; null or empty values fall back to the global ones.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "UpdateConversationSettingsParams".
 */
export interface UpdateConversationSettingsParams {
	conversation_id: string;
	options?: ConversationOptions1;
	/**
	 * Sampling values over the generation settings (their names and bounds); a missing or null one uses the global value.
	 */
	params?: {
		[k: string]: number | null | undefined;
	};
	/**
	 * Null uses the global system prompt.
	 */
	system_prompt?: string | null;
}
/**
 * A conversation's answer options besides the sampling values; each goes per request.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ConversationOptions".
 */
export interface ConversationOptions1 {
	/**
	 * At most this many tokens of thinking per answer (reasoning_budget_tokens); -1 is unlimited, 0 ends thinking at once, null uses the server's --reasoning-budget.
	 */
	reasoning_budget: number | null;
	/**
	 * How hard a model that thinks should think (reasoning_effort); null keeps the template's default, none turns thinking off.
	 */
	reasoning_effort: ('none' | 'minimal' | 'low' | 'medium' | 'high') | null;
	/**
	 * The answer ends before any of these strings (not included in it); at most 16.
	 */
	stop?: string[];
	/**
	 * Keep each generated token's probability and its top N alternatives (llama-server's n_probs); 0 asks for and stores nothing.
	 */
	token_probs: number;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "UpdateProviderCommand".
 */
export interface UpdateProviderCommand {
	params: UpdateProviderParams;
	result: ProviderInfo;
}
/**
 * A provider's new set-up; ``api_key`` null keeps the stored key, "" removes it.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "UpdateProviderParams".
 */
export interface UpdateProviderParams {
	api_key?: string | null;
	provider: ProviderConfig;
	provider_id: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "UpdateQueuedMessageCommand".
 */
export interface UpdateQueuedMessageCommand {
	params: UpdateQueuedMessageParams;
	result: MessageQueue1;
}
/**
 * New text for a queued message, and/or its new place in the queue (0: next).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "UpdateQueuedMessageParams".
 */
export interface UpdateQueuedMessageParams {
	/**
	 * null keeps the text.
	 */
	content?: string | null;
	/**
	 * null keeps its place; past the end: last.
	 */
	position?: number | null;
	queued_id: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "UpdateToolServerCommand".
 */
export interface UpdateToolServerCommand {
	params: UpdateToolServerParams;
	result: ToolServerInfo;
}
/**
 * A server's new set-up (replacing the old); a running server restarts on it.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "UpdateToolServerParams".
 */
export interface UpdateToolServerParams {
	server: ToolServerSpec;
	server_id: string;
}
/**
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "UploadAttachmentCommand".
 */
export interface UploadAttachmentCommand {
	params: UploadAttachmentParams;
	result: Attachment;
}
/**
 * A file sent by the page (browser mode): its name and its bytes as base64.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "UploadAttachmentParams".
 */
export interface UploadAttachmentParams {
	/**
	 * The file's bytes, base64.
	 */
	data: string;
	name: string;
}
/**
 * A failure the UI shows: a stable code, a sentence for people, and technical detail.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "BridgeError".
 */
export interface BridgeError {
	code:
		| 'invalid_argument'
		| 'not_found'
		| 'conflict'
		| 'config_invalid'
		| 'engine_missing'
		| 'model_invalid'
		| 'server_error'
		| 'server_unavailable'
		| 'auth_failed'
		| 'timeout'
		| 'context_overflow'
		| 'storage_error'
		| 'import_invalid'
		| 'tool_error'
		| 'attachment_refused'
		| 'internal';
	detail: string | null;
	fields?: BridgeFieldError[];
	message: string;
}
/**
 * One invalid argument or setting: its dotted path and why.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "BridgeFieldError".
 */
export interface BridgeFieldError {
	field: string;
	message: string;
}
/**
 * New text for a streaming answer: deltas only, never the whole text.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "StreamChunkEvent".
 */
export interface StreamChunkEvent {
	content: string;
	conversation_id: string;
	message_id: string;
	/**
	 * Where content starts in the message's text (UTF-16 code units, as JavaScript counts), so a page that already has text skips what it has.
	 */
	offset: number;
	/**
	 * The probabilities of this chunk's tokens, in order, when the conversation asked for them; empty otherwise.
	 */
	probs?: TokenProb[];
	reasoning: string;
	/**
	 * Where reasoning starts in the message's reasoning (UTF-16 units).
	 */
	reasoning_offset: number;
	stream_id: string;
	type: 'stream_chunk';
}
/**
 * A stream finished (completed or stopped); ``message`` is the stored final state.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "StreamEndEvent".
 */
export interface StreamEndEvent {
	conversation_id: string;
	message: Message;
	stream_id: string;
	type: 'stream_end';
}
/**
 * A stream failed; ``message`` keeps the partial text, ``error`` says why.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "StreamErrorEvent".
 */
export interface StreamErrorEvent {
	conversation_id: string;
	error: BridgeError;
	message: Message;
	stream_id: string;
	type: 'stream_error';
}
/**
 * A tool call of a streaming answer changed state; ``awaiting_approval`` asks the user.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ToolCallEvent".
 */
export interface ToolCallEvent {
	call: ToolCallInfo;
	conversation_id: string;
	message_id: string;
	stream_id: string;
	type: 'tool_call';
}
/**
 * A tool round ended: ``message`` is stored complete with its calls' results, and the
 * answer goes on in ``next_message`` (empty, ``streaming``, a child of ``message``).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "StreamRoundEvent".
 */
export interface StreamRoundEvent {
	conversation_id: string;
	message: Message;
	next_message: Message;
	stream_id: string;
	type: 'stream_round';
}
/**
 * Something the user should know about a streaming answer that does not stop it.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "StreamNoticeEvent".
 */
export interface StreamNoticeEvent {
	conversation_id: string;
	kind: 'tools_unsupported' | 'tool_round_limit' | 'tool_server_unavailable' | 'provider_failover';
	message_id: string;
	/**
	 * provider_failover: the provider that answers from here on.
	 */
	provider_id: string | null;
	/**
	 * provider_failover: its name.
	 */
	provider_name: string | null;
	/**
	 * tool_server_unavailable: why it could not be reached (secrets masked).
	 */
	reason: string | null;
	/**
	 * tool_server_unavailable: the server's id (null for other kinds).
	 */
	server_id: string | null;
	/**
	 * tool_server_unavailable: its name.
	 */
	server_name: string | null;
	stream_id: string;
	text: string;
	type: 'stream_notice';
}
/**
 * llama-server read another batch of a streaming answer's prompt (before its first token).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "StreamProgressEvent".
 */
export interface StreamProgressEvent {
	conversation_id: string;
	message_id: string;
	progress: PromptProgress;
	stream_id: string;
	type: 'stream_progress';
}
/**
 * A conversation's message queue changed: a message queued, edited, moved, deleted or
 * sent, or the queue paused or resumed. ``sent`` is set when the backend sent its next
 * message: the new answer streams like one the page started (its ids are in ``sent``).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "QueueChangedEvent".
 */
export interface QueueChangedEvent {
	conversation_id: string;
	queue: MessageQueue1;
	/**
	 * The message just sent from the queue and its answer, or null.
	 */
	sent: StreamStarted | null;
	type: 'queue_changed';
}
/**
 * The server changed state.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ServerStatusEvent".
 */
export interface ServerStatusEvent {
	status: ServerStatus;
	type: 'server_status';
}
/**
 * The model list changed.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ModelsChangedEvent".
 */
export interface ModelsChangedEvent {
	models: ModelInfo[];
	type: 'models_changed';
}
/**
 * A download progressed or changed status (at most a few times a second per download).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "DownloadProgressEvent".
 */
export interface DownloadProgressEvent {
	download: DownloadInfo;
	type: 'download_progress';
}
/**
 * A conversation changed outside a command (e.g. its automatic title).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ConversationUpdatedEvent".
 */
export interface ConversationUpdatedEvent {
	conversation: ConversationSummary;
	type: 'conversation_updated';
}
/**
 * The conversation database was damaged at start and recovered (sent when a page attaches).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "DatabaseRecoveredEvent".
 */
export interface DatabaseRecoveredEvent {
	recovery: DatabaseRecovery;
	type: 'database_recovered';
}
/**
 * A tool server was added, changed or removed, or changed state (starting, ready, ...).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ToolServersChangedEvent".
 */
export interface ToolServersChangedEvent {
	servers: ToolServers;
	type: 'tool_servers_changed';
}
/**
 * The RPC workers changed: a check's result, a launch's spread, the local worker's state.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "RpcStatusEvent".
 */
export interface RpcStatusEvent {
	status: RpcStatus;
	type: 'rpc_status';
}
/**
 * A provider was added, changed or removed, its health changed, or a fall-back began or
 * ended (the banner).
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "ProvidersChangedEvent".
 */
export interface ProvidersChangedEvent {
	providers: Providers;
	type: 'providers_changed';
}
/**
 * An answer paused under an ``ask`` failover rule: the page asks the user (``question``)
 * and sends the choice with ``answer_failover``.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "FailoverQuestionEvent".
 */
export interface FailoverQuestionEvent {
	question: FailoverQuestion;
	type: 'failover_question';
}
/**
 * A failover question was answered (in this page or another): close it.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "FailoverAnsweredEvent".
 */
export interface FailoverAnsweredEvent {
	choice: 'continue' | 'wait' | 'cancel';
	conversation_id: string;
	message_id: string;
	question_id: string;
	stream_id: string;
	type: 'failover_answered';
}
/**
 * The local API changed state (started, stopped, failed) or got a new key or model.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "LocalApiStatusEvent".
 */
export interface LocalApiStatusEvent {
	status: LocalApiStatus;
	type: 'local_api_status';
}
/**
 * Envelope of a command that failed.
 *
 * This interface was referenced by `BridgeContract`'s JSON-Schema
 * via the `definition` "CommandFailure".
 */
export interface CommandFailure {
	error: BridgeError;
	ok: false;
}
