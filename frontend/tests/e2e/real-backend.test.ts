import { expect, test } from '@playwright/test';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The built SPA against the real backend in browser mode: `python -m backend --browser` with the
 * real llama-server and SmolLM2, driven through the page like a person would.
 */
const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const PYTHON = join(ROOT, '.venv', 'bin', 'python');

let backend: ChildProcessWithoutNullStreams;
let url: string;
let home: string;

test.beforeAll(async () => {
	expect(existsSync(PYTHON), `${PYTHON} is missing: run \`python build.py test\``).toBe(true);
	home = mkdtempSync(join(tmpdir(), 'llamadesk-e2e-'));
	backend = spawn(
		PYTHON,
		[
			'-m',
			'backend',
			'--browser',
			'--port',
			'0',
			'--set',
			'generation.temperature=0',
			'--set',
			'generation.max_tokens=32'
		],
		{ cwd: ROOT, env: { ...process.env, LLAMADESK_HOME: home } }
	);
	url = await new Promise<string>((resolveUrl, reject) => {
		let output = '';
		backend.stdout.on('data', (chunk: Buffer) => {
			output += chunk.toString();
			const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(output);
			if (match) resolveUrl(match[0]);
		});
		backend.on('exit', (code) => reject(new Error(`backend exited with ${code}`)));
	});
});

test.afterAll(async () => {
	const exited = new Promise((done) => backend.once('exit', done));
	backend.kill('SIGTERM');
	await exited;
	rmSync(home, { recursive: true, force: true });
});

test('a question typed in the page is answered by the real model', async ({ page }) => {
	test.setTimeout(120_000);
	await page.goto(url);
	await expect(page.getByTestId('server-status')).toContainText('Ready', { timeout: 60_000 });
	const input = page.locator('#chat-input');
	await input.fill('What is the capital of France?');
	await input.press('Enter');
	const answer = page.locator('[data-testid="message"][data-role="assistant"]').last();
	await expect(answer).toHaveAttribute('data-status', 'complete', { timeout: 60_000 });
	await expect(answer).toContainText(/paris/i);
	await page.reload();
	await expect(page.locator('[data-testid="message"][data-role="assistant"]')).toHaveCount(1);
	await expect(page.getByTestId('conversation-item')).toHaveCount(1);
});

test('the real model is listed from its GGUF header, unloads and loads again', async ({ page }) => {
	test.setTimeout(120_000);
	await page.goto(`${url}#/settings?section=models`);
	const smol = page
		.getByRole('listitem')
		.filter({ has: page.getByRole('heading', { name: /SmolLM2-135M-Instruct/ }) });
	await expect(smol.getByTestId('load-state')).toHaveText('Loaded', { timeout: 60_000 });
	await expect(smol).toContainText('Built in');
	await expect(smol).toContainText('llama');
	await smol.getByRole('button', { name: /^Unload/ }).click();
	await expect(smol.getByTestId('load-state')).toHaveText('Not loaded');
	await smol.getByRole('button', { name: /^Load SmolLM2/ }).click();
	await expect(smol.getByTestId('load-state')).toHaveText('Loaded', { timeout: 60_000 });
	await page.getByLabel('Add a GGUF file from disk').fill('/nowhere/missing.gguf');
	await page.getByRole('button', { name: 'Add file' }).click();
	await expect(
		page.getByRole('form', { name: 'Add a model file' }).getByRole('alert')
	).toContainText('missing.gguf');
});
