import { expect, test, type Page } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { command, PYTHON, ROOT, startBackend, type Backend } from './backend';

/**
 * Tool calls through the page against the real backend in browser mode: the loop, the rules and
 * the real MCP test server (`tests/tools/mcp_server.py`, over stdio), with the scenario's fake
 * llama-server as the model (a 135M model cannot call a tool on demand): its template takes
 * tools, and a prompt's `[[tool:NAME {args}]]` markers become the model's calls.
 */
const FAKE_SERVER = join(ROOT, 'tests', 'scenario', 'fake-llama-server');
const MCP_SERVER = join(ROOT, 'tests', 'tools', 'mcp_server.py');
const ANSWER = 'Here is what the tool said.';

let backend: Backend;
let replyDir: string;

/** Starting is slow when other jobs share the machine's cores (the fake took over 60 s once). */
const START_TIMEOUT_MS = 150_000;

async function serverReady(): Promise<void> {
	const deadline = Date.now() + START_TIMEOUT_MS;
	for (;;) {
		const status = (await command(backend, 'get_server_status', {})) as { state: string };
		if (status.state === 'ready') return;
		expect(Date.now(), `the server is still ${status.state}`).toBeLessThan(deadline);
		await new Promise((wait) => setTimeout(wait, 250));
	}
}

test.beforeAll(async () => {
	test.setTimeout(START_TIMEOUT_MS + 30_000);
	replyDir = mkdtempSync(join(tmpdir(), 'llamadesk-e2e-reply-'));
	const reply = join(replyDir, 'reply.json');
	writeFileSync(
		reply,
		JSON.stringify({ content: ANSWER.split(/(?= )/), rate: 200, supports_tools: true })
	);
	backend = await startBackend({
		prefix: 'tools',
		env: { LLAMADESK_SERVER_BIN: FAKE_SERVER, LLAMADESK_FAKE_REPLY: reply }
	});
	await command(backend, 'add_tool_server', {
		server: {
			name: 'test-tools',
			transport: 'stdio',
			command: PYTHON,
			args: [MCP_SERVER, 'stdio'],
			cwd: null,
			env: {},
			url: null,
			headers: {},
			enabled: true
		}
	});
	await serverReady();
});

test.afterAll(async () => {
	await backend.stop();
	rmSync(replyDir, { recursive: true, force: true });
});

async function openChat(page: Page): Promise<void> {
	await page.goto(backend.url.toString());
	await expect(page.getByTestId('server-status')).toHaveAttribute('data-state', 'ready');
	await page.getByRole('button', { name: 'New chat' }).click();
}

async function send(page: Page, text: string): Promise<void> {
	const input = page.getByLabel('Message', { exact: true });
	await input.fill(text);
	await input.press('Enter');
}

/** The answer just sent has ended complete (the Send button alone shows before it starts too). */
async function answered(page: Page, answers: number): Promise<void> {
	const ended = page.locator(
		'[data-testid="message"][data-role="assistant"][data-status="complete"]'
	);
	await expect(ended).toHaveCount(answers, { timeout: 30_000 });
	await expect(page.getByTestId('message').last()).toHaveAttribute('data-status', 'complete');
	await expect(page.getByRole('button', { name: 'Send message' })).toBeVisible();
}

const card = (page: Page) => page.getByTestId('tool-approval');
const calls = (page: Page) => page.getByTestId('tool-call');

test('the real loop asks, runs the call once, and the answer goes on with its result', async ({
	page
}) => {
	test.setTimeout(90_000);
	await openChat(page);
	await send(page, 'Add them [[tool:add {"a": 2, "b": 3}]]');
	await expect(card(page)).toContainText('Run add on test-tools?', { timeout: 30_000 });
	await expect(card(page).getByTestId('tool-approval-arguments')).toHaveText(
		'{\n  "a": 2,\n  "b": 3\n}'
	);
	await card(page).getByRole('button', { name: 'Run once' }).click();
	await answered(page, 2);
	const row = calls(page);
	await expect(row.getByTestId('tool-call-state')).toHaveText('Done');
	await expect(row.getByTestId('tool-call-duration')).toBeVisible();
	await row.getByRole('button', { expanded: false }).click();
	await expect(row.getByTestId('tool-call-result')).toHaveText('5');
	await expect(page.getByTestId('message').last()).toContainText(ANSWER);
	// Stored: a reload shows the same round, collapsed.
	await page.reload();
	await expect(calls(page).getByTestId('tool-call-state')).toHaveText('Done');
	await expect(page.getByTestId('message')).toHaveCount(3);
});

test('the real loop sends a denied call back with the reason', async ({ page }) => {
	test.setTimeout(90_000);
	await openChat(page);
	await send(page, '[[tool:echo_env {"name": "HOME"}]]');
	await card(page).getByLabel('Reason for denying (optional)').fill('that is private', {
		timeout: 30_000
	});
	await card(page).getByRole('button', { name: 'Deny' }).click();
	await answered(page, 2);
	await expect(calls(page).getByTestId('tool-call-state')).toHaveText('Denied');
	await calls(page).getByRole('button', { expanded: false }).click();
	await expect(calls(page).getByTestId('tool-call-result')).toHaveText(
		'Not run: the user denied this call. Their reason: that is private'
	);
});

test('"Always for this tool" in the real loop: the second call runs without asking', async ({
	page
}) => {
	test.setTimeout(90_000);
	await openChat(page);
	await send(page, '[[tool:noop]]');
	await card(page).getByRole('button', { name: 'Always for this tool' }).click({ timeout: 30_000 });
	await answered(page, 2);
	await page.evaluate(() => {
		const flag = window as unknown as { approvalSeen: boolean };
		flag.approvalSeen = false;
		new MutationObserver(() => {
			if (document.querySelector('[data-testid="tool-approval"]')) flag.approvalSeen = true;
		}).observe(document.body, { childList: true, subtree: true });
	});
	await send(page, 'again [[tool:noop]]');
	await answered(page, 4);
	await expect(calls(page)).toHaveCount(2);
	await expect(calls(page).last().getByTestId('tool-call-state')).toHaveText('Done');
	expect(
		await page.evaluate(() => (window as unknown as { approvalSeen: boolean }).approvalSeen)
	).toBe(false);
});

test('Stop during a real running call: the call and the answer end stopped, also when reloaded', async ({
	page
}) => {
	test.setTimeout(90_000);
	await openChat(page);
	await send(page, '[[tool:sleep {"seconds": 30}]]');
	await card(page).getByRole('button', { name: 'Run once' }).click({ timeout: 30_000 });
	await expect(calls(page)).toHaveAttribute('data-state', 'running');
	await page.getByRole('button', { name: 'Stop generating' }).click();
	await expect(calls(page)).toHaveAttribute('data-state', 'cancelled', { timeout: 10_000 });
	await expect(page.getByTestId('message').last()).toHaveAttribute('data-status', 'cancelled');
	await expect(page.getByRole('button', { name: 'Send message' })).toBeVisible();
	await page.reload();
	await expect(calls(page)).toHaveAttribute('data-state', 'cancelled');
	await expect(calls(page).getByTestId('tool-call-state')).toHaveText('Stopped');
});
