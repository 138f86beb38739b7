import { expect, test, type Page } from '@playwright/test';
import { command, startBackend, type Backend } from './backend';

/**
 * An answer on its way, in the built SPA against the real backend in browser mode (real
 * llama-server and SmolLM2): the prompt's reading progress, pages that open the conversation
 * while the answer streams (a reload, a second tab) and follow it to the same final text, and
 * the message queue under a streaming answer.
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
	const followed = await Promise.all(pages.map((each) => answer(each).innerText()));
	expect(followed[0]?.length).toBeGreaterThan(40);
	const fresh = await context.newPage();
	await ready(fresh, conversationUrl);
	// Its answer is there a moment after Ready (read too early, CI once saw only its footer).
	const stored = answer(fresh);
	for (const text of followed) await expect(stored).toHaveText(text, { useInnerText: true });
	for (const text of followed) expect(await stored.innerText()).toBe(text);
});

interface StoredMessage {
	role: string;
	content: string;
	status: string;
}

interface StoredConversation {
	messages: StoredMessage[];
	queue: { messages: { content: string }[]; paused: string | null; error: string | null };
}

test('the queue against the backend: edit, delete, queue, send now keeps the partial answer, a reload shows what is stored', async ({
	page
}) => {
	test.setTimeout(120_000);
	// Its own long answers (the shared backend stops at 120 tokens), so there is time to queue.
	const { id } = (await command(backend, 'create_conversation', { title: 'Queue' })) as {
		id: string;
	};
	await command(backend, 'update_conversation_settings', {
		conversation_id: id,
		params: { max_tokens: 2000 }
	});
	const conversationUrl = new URL(`#/chat/${id}`, url).toString();
	await ready(page, conversationUrl);
	const queued = page.getByTestId('queued-message');
	const queue = async (text: string) => {
		await send(page, text);
		await expect(queued.filter({ hasText: text })).toHaveCount(1);
	};
	await send(page, 'Write a long story about a llama who travels the world.');
	const first = answer(page);
	await expect(first).toHaveAttribute('data-status', 'streaming', { timeout: 30_000 });

	await queue('Waht is a llama?');
	await queue('Drop this one');
	await queued
		.filter({ hasText: 'Waht' })
		.getByRole('button', { name: 'Edit queued message' })
		.click();
	await page.getByRole('textbox', { name: 'Queued message text' }).fill('What is a llama?');
	await page.getByRole('button', { name: 'Save' }).click();
	await queued
		.filter({ hasText: 'Drop this one' })
		.getByRole('button', { name: 'Delete queued message' })
		.click();
	await queue('And an alpaca?');
	await expect(page.getByTestId('queued-text')).toHaveText(['What is a llama?', 'And an alpaca?']);
	await expect(first).toHaveAttribute('data-status', 'streaming');
	// Its first words are in (not only the prompt's reading progress).
	await expect(first.locator('.markdown')).toHaveText(/\w{3}.*\w{3}/s, { timeout: 30_000 });

	await queued
		.filter({ hasText: 'What is a llama?' })
		.getByRole('button', { name: 'Send now' })
		.click();
	const users = page.locator('[data-testid="message"][data-role="user"]');
	await expect(users.last()).toHaveText('What is a llama?');
	await expect(page.getByTestId('queued-text')).toHaveText(['And an alpaca?']);
	await expect(answer(page).locator('.markdown')).toHaveText(/\w{3}/, { timeout: 30_000 });
	await page.getByRole('button', { name: 'Stop generating' }).click();
	await expect(answer(page)).toHaveAttribute('data-status', 'cancelled', { timeout: 30_000 });
	await expect(page.getByTestId('queue-paused')).toBeVisible();

	const stored = (await command(backend, 'get_conversation', {
		conversation_id: id
	})) as StoredConversation;
	const story = stored.messages[1];
	expect(stored.messages.map((m) => [m.role, m.status])).toEqual([
		['user', 'complete'],
		['assistant', 'cancelled'],
		['user', 'complete'],
		['assistant', 'cancelled']
	]);
	expect(story?.content, 'the stopped answer keeps its partial text').toMatch(/\w{3}/);
	expect(stored.messages[2]?.content).toBe('What is a llama?');
	expect(stored.queue).toMatchObject({
		messages: [{ content: 'And an alpaca?' }],
		paused: 'stopped'
	});

	await page.reload();
	await expect(page.getByTestId('server-status')).toContainText('Ready', { timeout: 60_000 });
	const assistants = page.locator('[data-testid="message"][data-role="assistant"]');
	await expect(users).toHaveText(
		stored.messages.filter((m) => m.role === 'user').map((m) => m.content)
	);
	await expect(assistants).toHaveCount(2);
	for (const [n, message] of stored.messages.filter((m) => m.role === 'assistant').entries()) {
		await expect(assistants.nth(n)).toHaveAttribute('data-status', message.status);
		const shown = await assistants.nth(n).innerText();
		for (const word of message.content.match(/[A-Za-z]{4,}/g)?.slice(0, 5) ?? [])
			expect(shown, 'the stored text, as rendered').toContain(word);
	}
	await expect(page.getByTestId('queued-text')).toHaveText(['And an alpaca?']);
	await expect(page.getByTestId('queue-paused')).toContainText('the answer was stopped');
});
