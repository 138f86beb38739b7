import { expect, test } from '@playwright/test';
import { startBackend, type Backend } from './backend';

/**
 * The built SPA against the real backend in browser mode: `python -m backend --browser` with the
 * real llama-server and SmolLM2, driven through the page like a person would.
 */
let backend: Backend;
let url: string;

test.beforeAll(async () => {
	backend = await startBackend({
		prefix: 'real',
		settings: ['generation.temperature=0', 'generation.max_tokens=32']
	});
	url = backend.url.toString();
});

test.afterAll(async () => {
	await backend.stop();
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
