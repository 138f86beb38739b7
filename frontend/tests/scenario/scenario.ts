import type {
	BridgeEventOf,
	CommandName,
	CommandParams,
	CommandResult,
	Envelope,
	Message,
	StreamStarted,
	ToolServerSpec
} from '$lib/types';
import type { ScenarioBackend } from './backends';
import { Normaliser } from './normalise';
import { ProviderSteps } from './provider-steps';
import { QueueSteps } from './queue-steps';
import { ToolRoundSteps } from './tool-round-steps';

/**
 * The shared scenario: one conversation's life (create, send, stream, stop, regenerate, edit,
 * branch, search, export and import), then the models, the settings, the tool servers (never
 * started: they are added disabled), the providers (an unreachable one) with their errors, and
 * the message queue. It runs the same steps against any `ScenarioBackend` and returns each step's
 * normalised outcome by name, so the outcomes of the mock and of the real backend can be
 * compared field by field.
 */
export const STEPS = [
	'create',
	'send',
	'stream',
	'title',
	'stop',
	'regenerate',
	'edit',
	'branch',
	'search',
	'export json',
	'export markdown',
	'import',
	'import errors',
	'attachments',
	'not found',
	'models',
	'model errors',
	'settings',
	'settings errors',
	'tools',
	'tool errors',
	'tool round',
	'tool answers',
	'providers',
	'provider errors',
	'queue',
	'queue errors',
	'delete'
] as const;

export type StepName = (typeof STEPS)[number];
export type Outcomes = Partial<Record<StepName, unknown>>;

/** Long enough for the automatic title to be cut. */
const FIRST_PROMPT =
	'Plan a weekend trip to Lyon with a budget of two hundred euros, trains included';
const SECOND_PROMPT = 'And which museums open on Sunday?';
const EDITED_PROMPT = 'Plan a weekend trip to Lyon in spring';

type StreamEnd = BridgeEventOf<'stream_end'> | BridgeEventOf<'stream_error'>;
type Chunk = BridgeEventOf<'stream_chunk'>;

/** One run of the scenario against one backend. */
class ScenarioRun {
	readonly outcomes: Outcomes = {};
	private normaliser = new Normaliser('');

	constructor(
		private readonly backend: ScenarioBackend,
		/** What both backends answer to every prompt. */
		private readonly answer: string
	) {}

	record(step: StepName, outcome: unknown): void {
		this.outcomes[step] = this.normaliser.value(outcome);
	}

	call<K extends CommandName>(
		name: K,
		params: CommandParams<K>
	): Promise<Envelope<CommandResult<K>>> {
		return this.backend.call(name, params);
	}

	async ok<K extends CommandName>(name: K, params: CommandParams<K>): Promise<CommandResult<K>> {
		const envelope = await this.call(name, params);
		if (!envelope.ok) {
			throw new Error(`${this.backend.name}: ${name} failed: ${JSON.stringify(envelope.error)}`);
		}
		return envelope.result;
	}

	private async end(started: StreamStarted): Promise<StreamEnd> {
		const event = await this.backend.event(
			(event) =>
				(event.type === 'stream_end' || event.type === 'stream_error') &&
				event.stream_id === started.stream_id,
			`the end of stream ${started.stream_id}`
		);
		return event as StreamEnd;
	}

	private chunks(started: StreamStarted): Chunk[] {
		return this.backend.events.filter(
			(event): event is Chunk =>
				event.type === 'stream_chunk' && event.stream_id === started.stream_id
		);
	}

	/** Start a stream with `start`, wait for its end; the outcome holds both and the chunks' sum. */
	private async stream(start: Promise<StreamStarted>): Promise<{
		started: StreamStarted;
		end: StreamEnd;
		chunks_add_up: boolean;
	}> {
		const started = await start;
		const end = await this.end(started);
		const text = this.chunks(started)
			.map((chunk) => chunk.content)
			.join('');
		return { started, end, chunks_add_up: text === end.message.content };
	}

	async run(): Promise<Outcomes> {
		const status = await this.ok('get_server_status', {});
		this.normaliser = new Normaliser(status.model ?? '');
		const id = await this.conversation();
		await this.transfer(id);
		await this.attachments();
		await this.models();
		await this.settings();
		await this.tools();
		await new ToolRoundSteps(this, this.backend).record();
		await new ProviderSteps(this).record();
		await new QueueSteps(this, this.backend).record();
		this.record('delete', {
			first: await this.call('delete_conversation', { conversation_id: id }),
			again: await this.call('delete_conversation', { conversation_id: id }),
			left: await this.call('list_conversations', {})
		});
		return this.outcomes;
	}

	private async conversation(): Promise<string> {
		const created = await this.ok('create_conversation', {});
		this.record('create', created);
		const id = created.id;

		const sent = await this.stream(
			this.ok('send_chat_message_stream', { conversation_id: id, content: FIRST_PROMPT })
		);
		this.record('send', sent);
		this.record('stream', {
			answer_is_scripted: sent.end.message.content === this.answer,
			chunks: [
				...new Set(this.chunks(sent.started).map((chunk) => Object.keys(chunk).sort().join()))
			]
		});
		this.record('title', await this.call('list_conversations', {}));

		await this.stop(id);
		const firstUser = sent.started.user_message as Message;
		this.record('edit', {
			...(await this.stream(
				this.ok('edit_message', { message_id: firstUser.id, content: EDITED_PROMPT })
			)),
			conversation: await this.call('get_conversation', { conversation_id: id })
		});
		this.record('branch', await this.call('select_branch', { message_id: firstUser.id }));
		this.record('search', {
			title_and_messages: await this.search('Lyon'),
			limited: (await this.search('markdown', 2)).length - 1,
			nothing: await this.search('zeppelin')
		});
		return id;
	}

	/** Stop an answer after its first chunk, then regenerate it. */
	private async stop(id: string): Promise<void> {
		const started = await this.ok('send_chat_message_stream', {
			conversation_id: id,
			content: SECOND_PROMPT
		});
		await this.backend.event(
			(event) => event.type === 'stream_chunk' && event.stream_id === started.stream_id,
			'a first chunk'
		);
		const stopped = await this.call('stop_generation', { conversation_id: id });
		const end = await this.end(started);
		const partial = end.message.content;
		this.record('stop', {
			started,
			stopped,
			again: await this.call('stop_generation', { conversation_id: id }),
			partial_is_a_prefix: this.answer.startsWith(partial) && partial.length < this.answer.length,
			end: { ...end, message: { ...end.message, content: '<partial>' } }
		});
		this.record('regenerate', {
			...(await this.stream(this.ok('regenerate_message', { message_id: end.message.id }))),
			conversation: await this.call('get_conversation', { conversation_id: id })
		});
	}

	/**
	 * Which conversations and messages match, title matches first, and what each snippet marks.
	 * Ranks and snippet windows are SQLite FTS5's (bm25, 12 tokens): the mock does not imitate them.
	 */
	private async search(query: string, limit?: number): Promise<unknown[]> {
		const hits = await this.ok('search_conversations', { query, limit });
		const titlesFirst = hits.every(
			(hit, index) =>
				hit.message_id !== null || hits.slice(0, index).every((earlier) => !earlier.message_id)
		);
		const found = hits
			.map((hit) => ({
				conversation_id: this.normaliser.id(hit.conversation_id),
				message_id: hit.message_id === null ? null : this.normaliser.id(hit.message_id),
				title: hit.title,
				marked: [...hit.snippet.matchAll(/\*\*(.+?)\*\*/g)].map((match) => match[1])
			}))
			.sort(
				(left, right) =>
					Number(left.message_id !== null) - Number(right.message_id !== null) ||
					String(left.message_id).localeCompare(String(right.message_id))
			);
		return [{ titles_first: titlesFirst }, ...found];
	}

	/** A text file uploaded, read back and counted; a PDF the mock cannot read, refused. */
	private async attachments(): Promise<void> {
		const base64 = (text: string) => btoa(text);
		const notes = await this.ok('upload_attachment', {
			name: 'notes.md',
			data: base64('# Notes\n\nbuy milk and eggs')
		});
		this.record('attachments', {
			uploaded: notes,
			text: await this.call('get_attachment_text', { id: notes.id }),
			pages: await this.call('get_attachment_text', { id: notes.id, first_page: 1 }),
			counts: await this.call('count_message_tokens', {
				conversation_id: null,
				content: 'Summarise',
				attachments: [{ id: notes.id, name: 'notes.md', first_page: null, last_page: null }]
			}),
			damaged: await this.call('upload_attachment', {
				name: 'cut.pdf',
				data: base64('%PDF-1.4 cut short')
			}),
			empty: await this.call('upload_attachment', { name: 'empty.txt', data: '' })
		});
	}

	private async transfer(id: string): Promise<void> {
		const json = await this.ok('export_conversations', {
			conversation_ids: [id],
			format: 'json'
		});
		const document = JSON.parse(json.content) as { conversations: { messages: Message[] }[] };
		for (const conversation of document.conversations) {
			for (const message of conversation.messages) {
				if (message.status === 'cancelled') message.content = '<partial>';
			}
		}
		this.record('export json', { ...json, content: document });
		this.record(
			'export markdown',
			await this.call('export_conversations', { conversation_ids: [id], format: 'markdown' })
		);
		const imported = await this.ok('import_conversations', { data: json.content });
		this.record('import', {
			imported,
			conversation: await this.call('get_conversation', {
				conversation_id: imported.conversation_ids[0] ?? ''
			}),
			listed: await this.call('list_conversations', {})
		});
		this.record('import errors', {
			not_json: await this.call('import_conversations', { data: '{"conversations": [' }),
			wrong_format: await this.call('import_conversations', {
				data: { format: 'other', version: 1, conversations: [] }
			}),
			missing_fields: await this.call('import_conversations', {
				data: {
					format: 'llamadesk.conversations',
					version: 1,
					conversations: [{ id: 'c1', title: 'No dates' }]
				}
			})
		});
		this.record('not found', {
			conversation: await this.call('get_conversation', { conversation_id: 'missing' }),
			message: await this.call('regenerate_message', { message_id: 'missing' }),
			draft: await this.call('read_ahead_draft', {
				conversation_id: 'missing',
				text: 'And which museums'
			})
		});
	}

	private async models(): Promise<void> {
		const models = await this.ok('list_models', {});
		const selected = models.filter((model) => model.selected);
		this.record('models', {
			fields: [...new Set(models.map((model) => Object.keys(model).sort().join()))],
			selected: selected.map((model) => ({ load_state: model.load_state, error: model.error })),
			settings: await this.call('get_model_settings', { model_id: selected[0]?.id ?? '' })
		});
		this.record('model errors', {
			unknown: await this.call('select_model', { model_id: 'no-such-model' }),
			bad_settings: await this.call('save_model_settings', {
				model_id: selected[0]?.id ?? '',
				settings: {
					context_size: 10,
					threads: -1,
					gpu_layers: null,
					chat_template_file: null,
					mmproj_file: null,
					extra_args: null
				}
			})
		});
	}

	private tools(): Promise<void> {
		return new ToolSteps(this).record();
	}

	private async settings(): Promise<void> {
		const saved = await this.call('save_config', {
			config: { generation: { temperature: 0.5 } }
		});
		const config = await this.ok('get_config', {});
		this.record('settings', {
			saved: saved.ok
				? { changed: saved.result.changed, restart_required: saved.result.restart_required }
				: saved,
			temperature: (config.values.generation as Record<string, unknown>).temperature
		});
		this.record('settings errors', {
			wrong_type: await this.call('save_config', {
				config: { generation: { temperature: 'hot' } }
			}),
			out_of_range: await this.call('save_config', {
				config: { generation: { top_p: 3 }, engine: { context_size: 10 } }
			}),
			unknown: await this.call('save_config', { config: { generation: { warmth: 1 } } }),
			locked_and_unknown: await this.call('save_config', {
				config: { generation: { temperature: 9 }, engine: { port: 9000 }, looks: {} }
			})
		});
	}
}

const TOOL_SERVER: ToolServerSpec = {
	name: 'files',
	transport: 'stdio',
	command: 'npx',
	args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'],
	cwd: null,
	env: { TOKEN: 'secret-abc' },
	url: null,
	headers: {},
	enabled: false
};

/** Tool servers, set up but never started (their commands are not run here). */
class ToolSteps {
	constructor(private readonly run: ScenarioRun) {}

	async record(): Promise<void> {
		const run = this.run;
		const added = await run.call('add_tool_server', { server: TOOL_SERVER });
		const rules = [
			await run.call('set_tool_rule', { server_id: 'files', tool: null, rule: 'deny' }),
			await run.call('set_tool_rule', { server_id: 'files', tool: 'read', rule: 'allow' })
		];
		const updated = await run.call('update_tool_server', {
			server_id: 'files',
			server: { ...TOOL_SERVER, args: ['-y', 'other'], env: { TOKEN: null, MORE: 'x' } }
		});
		const exported = await run.ok('export_tool_servers', {});
		const imported = await run.call('import_tool_servers', { data: exported.content });
		run.record('tools', {
			added,
			rules,
			updated,
			exported,
			imported,
			tools_of_disabled: await run.call('list_tools', { server_id: 'files' }),
			tools_of_ready: await run.call('list_tools', {}),
			removed: await run.call('remove_tool_server', { server_id: 'files-2' }),
			listed: await run.call('list_tool_servers', {})
		});
		const http = { ...TOOL_SERVER, transport: 'http' as const };
		run.record('tool errors', {
			no_command: await run.call('add_tool_server', { server: { ...TOOL_SERVER, command: null } }),
			env_over_http: await run.call('add_tool_server', {
				server: { ...http, name: 'web', command: null, args: [], url: 'http://127.0.0.1:9/mcp' }
			}),
			taken_name: await run.call('add_tool_server', { server: TOOL_SERVER }),
			nothing_to_keep: await run.call('add_tool_server', {
				server: { ...TOOL_SERVER, name: 'other', env: { KEY: null } }
			}),
			not_found: await run.call('restart_tool_server', { server_id: 'nope' }),
			disabled_restart: await run.call('restart_tool_server', { server_id: 'files' }),
			empty_server_rule: await run.call('set_tool_rule', {
				server_id: 'files',
				tool: null,
				rule: null
			}),
			not_mcp_json: await run.call('import_tool_servers', { data: '{"servers": {}}' }),
			bad_transport: await run.call('import_tool_servers', {
				data: { mcpServers: { a: { type: 'carrier-pigeon', url: 'http://x' } } }
			}),
			removed: await run.call('remove_tool_server', { server_id: 'files' })
		});
	}
}

/** Run the scenario; each step's outcome, normalised. */
export function runScenario(backend: ScenarioBackend, answer: string): Promise<Outcomes> {
	return new ScenarioRun(backend, answer).run();
}
