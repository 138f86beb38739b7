import { expect, test, type Page } from '@playwright/test';
import { startBackend, type Backend } from './backend';

/**
 * An answer on its way, in the built SPA against the real backend in browser mode (real
 * llama-server and SmolLM2): the prompt's reading progress, and pages that open the conversation
 * while the answer streams (a reload, a second tab) and follow it to the same final text.
 */
let backend: Backend;
let url: string;

test.beforeAll(async () => {
	backend = await startBackend({
		prefix: 'stream',
		settings: ['generation.temperature=0', 'generation.max_tokens=120']
	});
	url = backend.url.toString();
});

test.afterAll(async () => {
	await backend.stop();
});

function answer(page: Page) {
	return page.locator('[data-testid="message"][data-role="assistant"]').last();
}

async function ready(page: Page, at = url): Promise<void> {
	await page.goto(at);
	await expect(page.getByTestId('server-status')).toContainText('Ready', { timeout: 60_000 });
}

async function send(page: Page, text: string): Promise<void> {
	const input = page.locator('#chat-input');
	await input.fill(text);
	await input.press('Enter');
}

test('a long prompt shows its reading as a progress bar until the first words', async ({
	page
}) => {
	test.setTimeout(240_000);
	await ready(page);
	const words = Array.from({ length: 150 }, (_, n) => `item${n}`).join(' ');
	await send(page, `Summarise these words: ${words}`);
	const progress = page.getByTestId('prompt-progress');
	await expect(progress).toBeVisible({ timeout: 60_000 });
	await expect(progress.getByRole('progressbar', { name: 'Reading the prompt' })).toBeVisible();
	await expect(page.getByTestId('prompt-progress-tokens')).toHaveText(/^\d+ \/ \d{3} tokens$/);
	// The bar gives way to the first words (it is inside the answer until then).
	await expect(progress).toHaveCount(0, { timeout: 180_000 });
	await expect(answer(page)).toHaveText(/\w/);
	await page.getByRole('button', { name: 'Stop generating' }).click();
	await expect(answer(page)).toHaveAttribute('data-status', 'cancelled', { timeout: 30_000 });
});

test('a reloaded page and a second tab catch up with an answer under way, word for word', async ({
	page,
	context
}) => {
	test.setTimeout(300_000);
	await ready(page);
	await send(page, 'Write a long story about a llama who travels the world.');
	await expect(page).toHaveURL(/#\/chat\//);
	await expect(answer(page)).toHaveText(/\S{3}.*\S{3}/s, { timeout: 120_000 });
	const conversationUrl = page.url();

	const second = await context.newPage();
	await ready(second, conversationUrl);
	await page.reload();
	const pages = [page, second];
	const seen = pages.map(() => new Set<string>());
	for (const [n, each] of pages.entries()) {
		await expect(answer(each)).toHaveAttribute('data-status', 'streaming');
		await expect(each.getByRole('button', { name: 'Stop generating' })).toBeVisible();
		seen[n]?.add(await answer(each).innerText());
	}
	// Both go on live: their text grows while the answer streams.
	await expect
		.poll(
			async () => {
				for (const [n, each] of pages.entries()) seen[n]?.add(await answer(each).innerText());
				return seen.every((texts) => texts.size >= 2);
			},
			{ timeout: 120_000 }
		)
		.toBe(true);
	for (const each of pages)
		await expect(answer(each)).not.toHaveAttribute('data-status', 'streaming', {
			timeout: 180_000
		});

	// A page opened afterwards shows the stored answer: the followers show exactly the same.
	const fresh = await context.newPage();
	await ready(fresh, conversationUrl);
	const stored = await answer(fresh).innerText();
	expect(stored.length).toBeGreaterThan(40);
	for (const each of pages) expect(await answer(each).innerText()).toBe(stored);
});
