import { expect } from '@playwright/test';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository's root and its virtualenv's Python (made by `python build.py test`). */
export const ROOT = resolve(import.meta.dirname, '..', '..', '..');
export const PYTHON = join(ROOT, '.venv', 'bin', 'python');

/** A real backend in browser mode (`python -m backend --browser --port 0`) in a home of its own. */
export interface Backend {
	/** The page's address, with its token. */
	url: URL;
	/** A scratch folder of the test's; the backend's home is `home/home`. */
	home: string;
	/** Stops the backend (SIGTERM, waits for its exit) and removes the scratch folder. */
	stop(): Promise<void>;
}

export interface BackendOptions {
	/** `--set` values, e.g. `generation.temperature=0`. */
	settings?: string[];
	/** Extra environment, e.g. a fake llama-server (`LLAMADESK_SERVER_BIN`). */
	env?: Record<string, string>;
	/** Names the scratch folder: `llamadesk-e2e-<prefix>-`. */
	prefix: string;
}

/** Starts the backend and resolves with its address once it prints it. */
export async function startBackend(options: BackendOptions): Promise<Backend> {
	expect(existsSync(PYTHON), `${PYTHON} is missing: run \`python build.py test\``).toBe(true);
	const home = mkdtempSync(join(tmpdir(), `llamadesk-e2e-${options.prefix}-`));
	const args = ['-m', 'backend', '--browser', '--port', '0'];
	for (const setting of options.settings ?? []) args.push('--set', setting);
	const child: ChildProcessWithoutNullStreams = spawn(PYTHON, args, {
		cwd: ROOT,
		env: { ...process.env, LLAMADESK_HOME: join(home, 'home'), ...options.env }
	});
	const url = await new Promise<URL>((found, reject) => {
		let output = '';
		child.stdout.on('data', (chunk: Buffer) => {
			output += chunk.toString();
			const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(output);
			if (match) found(new URL(match[0]));
		});
		child.on('exit', (code) => reject(new Error(`backend exited with ${code}`)));
	});
	return {
		url,
		home,
		async stop() {
			const exited = new Promise((done) => child.once('exit', done));
			child.kill('SIGTERM');
			await exited;
			rmSync(home, { recursive: true, force: true });
		}
	};
}

/** Runs one bridge command over HTTP, as the page does, and returns its result. */
export async function command(
	backend: Backend,
	name: string,
	params: Record<string, unknown>
): Promise<unknown> {
	const response = await fetch(new URL(`/api/${name}`, backend.url), {
		method: 'POST',
		headers: {
			'Content-Type': 'application/json',
			Authorization: `Bearer ${backend.url.searchParams.get('token') ?? ''}`
		},
		body: JSON.stringify(params)
	});
	expect(response.ok, `${name}: ${await response.clone().text()}`).toBe(true);
	return ((await response.json()) as { result: unknown }).result;
}
