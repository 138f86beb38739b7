import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MockBackend } from '$lib/services/mock';
import type {
	BridgeError,
	BridgeEvent,
	CommandName,
	CommandParams,
	CommandResult,
	Envelope
} from '$lib/types';

/**
 * The two backends the shared scenario runs against, behind one small interface: the in-page
 * mock (`services/mock/`), and the real one, `python -m backend --browser` in a subprocess with
 * `tests/scenario/fake-llama-server` standing in for llama-server.
 */
export interface ScenarioBackend {
	readonly name: string;
	call<K extends CommandName>(
		name: K,
		params: CommandParams<K>
	): Promise<Envelope<CommandResult<K>>>;
	/** The first event (already seen or still to come) that `matches`. */
	event(matches: (event: BridgeEvent) => boolean, what: string): Promise<BridgeEvent>;
	/** Every event seen so far, oldest first. */
	readonly events: readonly BridgeEvent[];
	close(): Promise<void>;
}

/** Both backends answer every prompt with these tokens (the mock's own answer), at this rate. */
export interface ScriptedAnswer {
	tokens: string[];
	tokensPerSecond: number;
}

const EVENT_TIMEOUT_MS = 20_000;
const START_TIMEOUT_MS = 90_000;
const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const PYTHON = join(ROOT, '.venv', 'bin', 'python');
const FAKE_SERVER = join(ROOT, 'tests', 'scenario', 'fake-llama-server');

/** Events in arrival order, and waiters for the ones still to come. */
class EventLog {
	readonly events: BridgeEvent[] = [];
	private waiters: {
		matches: (event: BridgeEvent) => boolean;
		found: (event: BridgeEvent) => void;
	}[] = [];

	push(event: BridgeEvent): void {
		this.events.push(event);
		const due = this.waiters.filter((waiter) => waiter.matches(event));
		this.waiters = this.waiters.filter((waiter) => !due.includes(waiter));
		for (const waiter of due) waiter.found(event);
	}

	wait(
		matches: (event: BridgeEvent) => boolean,
		what: string,
		timeoutMs = EVENT_TIMEOUT_MS
	): Promise<BridgeEvent> {
		const seen = this.events.find(matches);
		if (seen) return Promise.resolve(seen);
		return new Promise((found, reject) => {
			const timer = setTimeout(
				() => reject(new Error(`no ${what} within ${timeoutMs} ms`)),
				timeoutMs
			);
			this.waiters.push({
				matches,
				found: (event) => {
					clearTimeout(timer);
					found(event);
				}
			});
		});
	}
}

/** The mock as the page uses it, answering with the scripted tokens. */
export function mockBackend(answer: ScriptedAnswer): ScenarioBackend {
	const log = new EventLog();
	const backend = new MockBackend({
		emit: (event) => log.push(structuredClone(event)),
		tokensPerSecond: answer.tokensPerSecond,
		firstTokenDelayMs: 0
	});
	return {
		name: 'mock',
		call: (name, params) => backend.invoke(name, params),
		event: (matches, what) => log.wait(matches, what),
		events: log.events,
		close: () => Promise.resolve()
	};
}

/** Read `data:` lines of a Server-Sent-Events body until it closes. */
async function readEvents(body: ReadableStream<Uint8Array>, log: EventLog): Promise<void> {
	const decoder = new TextDecoder();
	const reader = body.getReader();
	let pending = '';
	for (;;) {
		const { done, value } = await reader.read();
		if (done) return;
		pending += decoder.decode(value, { stream: true });
		const blocks = pending.split('\n\n');
		pending = blocks.pop() ?? '';
		for (const block of blocks) {
			for (const line of block.split('\n')) {
				if (line.startsWith('data: ')) log.push(JSON.parse(line.slice(6)) as BridgeEvent);
			}
		}
	}
}

function startProcess(home: string, replyFile: string): ChildProcessWithoutNullStreams {
	return spawn(PYTHON, ['-m', 'backend', '--browser', '--port', '0'], {
		cwd: ROOT,
		env: {
			...process.env,
			LLAMADESK_HOME: home,
			LLAMADESK_SERVER_BIN: FAKE_SERVER,
			LLAMADESK_FAKE_REPLY: replyFile,
			// The mock pretends the environment sets engine.port (to its default, 0: any port).
			LLAMADESK_ENGINE__PORT: '0'
		}
	});
}

function serverUrl(child: ChildProcessWithoutNullStreams): Promise<URL> {
	return new Promise((found, reject) => {
		let output = '';
		let errors = '';
		const timer = setTimeout(
			() => reject(new Error(`browser mode printed no URL: ${output}${errors}`)),
			START_TIMEOUT_MS
		);
		child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
		child.stdout.on('data', (chunk: Buffer) => {
			output += chunk.toString();
			const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(output);
			if (match) {
				clearTimeout(timer);
				found(new URL(match[0]));
			}
		});
		child.on('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`browser mode exited with ${code}: ${errors}`));
		});
	});
}

/**
 * The real backend in browser mode on a fresh home, with the fake llama-server; resolves once
 * the server is ready (from its `server_status` event).
 */
export async function browserModeBackend(answer: ScriptedAnswer): Promise<ScenarioBackend> {
	if (!existsSync(PYTHON)) {
		throw new Error(`${PYTHON} is missing: run \`python build.py types\` (it creates .venv)`);
	}
	const home = mkdtempSync(join(tmpdir(), 'llamadesk-scenario-'));
	const replyFile = join(home, 'reply.json');
	writeFileSync(
		replyFile,
		JSON.stringify({ content: answer.tokens, rate: answer.tokensPerSecond, supports_tools: true })
	);
	const child = startProcess(join(home, 'home'), replyFile);
	const exited = new Promise((done) => child.once('exit', done));
	const url = await serverUrl(child);
	const token = url.searchParams.get('token') ?? '';
	const log = new EventLog();
	const events = new AbortController();
	const stream = await fetch(new URL(`/api/events?token=${token}`, url), {
		signal: events.signal
	});
	if (!stream.body) throw new Error('the event stream has no body');
	const reading = readEvents(stream.body, log).catch(() => undefined);
	const call = async <K extends CommandName>(
		name: K,
		params: CommandParams<K>
	): Promise<Envelope<CommandResult<K>>> => {
		const response = await fetch(new URL(`/api/${name}`, url), {
			method: 'POST',
			headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
			body: JSON.stringify(params)
		});
		const body = (await response.json()) as Envelope<CommandResult<K>> & { error: BridgeError };
		return response.ok ? body : { ok: false, error: body.error };
	};
	const status = await call('get_server_status', {});
	if (!status.ok || status.result.state !== 'ready') {
		await log.wait(
			(event) => event.type === 'server_status' && event.status.state === 'ready',
			'ready server',
			START_TIMEOUT_MS
		);
	}
	return {
		name: 'browser mode',
		call,
		event: (matches, what) => log.wait(matches, what),
		events: log.events,
		async close() {
			events.abort();
			await reading;
			child.kill('SIGTERM');
			await exited;
			rmSync(home, { recursive: true, force: true });
		}
	};
}
