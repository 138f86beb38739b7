import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { allChunks, entryChunks } from '../../scripts/entry-chunks.js';
import { emptyBackend, openMock, sendMessage, waitForAnswer, watchErrors } from './helpers';

const BUILD = fileURLToPath(new URL('../../build', import.meta.url));
const AT = '2026-01-02T03:04:05.678Z';
const PROSE =
	'A first paragraph of ordinary prose, long enough to wrap at least once in the message column ' +
	'of a window this wide, so that its height is more than one line.\n\nA second, shorter one.';

/** The built chunk holding the markdown renderer (KaTeX, marked, highlight.js, DOMPurify). */
function markdownChunk(): string {
	const [chunk, ...others] = allChunks(BUILD).filter((file) =>
		readFileSync(join(BUILD, file), 'utf8').includes('KaTeX parse error')
	);
	expect(others).toEqual([]);
	if (!chunk) throw new Error('no built chunk holds KaTeX: run `npm -w frontend run build`');
	return chunk;
}

/** The scripts `build/index.html` asks the browser to fetch at once (`modulepreload`). */
function modulePreloads(): string[] {
	const html = readFileSync(join(BUILD, 'index.html'), 'utf8');
	return [...html.matchAll(/<link href="\.\/([^"]+\.js)" rel="modulepreload">/g)].map(
		(match) => match[1] ?? ''
	);
}

function requested(page: Page): string[] {
	const urls: string[] = [];
	page.on('request', (request) => urls.push(new URL(request.url()).pathname));
	return urls;
}

async function importAnswer(page: Page, answer: string): Promise<void> {
	const messages = [
		{ id: 'q', parent_id: null, role: 'user', content: 'Tell me', created_at: AT },
		{ id: 'a', parent_id: 'q', role: 'assistant', content: answer, created_at: AT }
	];
	const conversation = { id: 'prose', title: 'Prose', created_at: AT, updated_at: AT, messages };
	await page.getByTestId('import-input').setInputFiles({
		name: 'prose.json',
		mimeType: 'application/json',
		buffer: Buffer.from(
			JSON.stringify({
				format: 'llamadesk.conversations',
				version: 1,
				conversations: [conversation]
			})
		)
	});
}

test('the first page paints the sidebar and the form without the markdown renderer, fetched with the first message', async ({
	page
}) => {
	const chunk = markdownChunk();
	const urls = requested(page);
	const errors = watchErrors(page);
	await openMock(page);
	await expect(page.getByTestId('sidebar')).toBeVisible();
	await expect(page.getByLabel('Message', { exact: true })).toBeEditable();
	await page.waitForLoadState('networkidle');
	expect(urls.some((url) => url.endsWith('.js'))).toBe(true);
	expect(urls.filter((url) => url.endsWith(chunk))).toEqual([]);

	await sendMessage(page, 'Hello there');
	await waitForAnswer(page);
	expect(urls.filter((url) => url.endsWith(chunk))).toHaveLength(1);
	await expect(page.getByTestId('message').last().locator('.markdown')).toHaveAttribute(
		'data-rendered',
		'true'
	);
	expect(errors).toEqual([]);
});

test('an answer shows its plain text until the renderer arrives, then renders in place without moving', async ({
	page
}) => {
	const chunk = markdownChunk();
	let release: () => void = () => undefined;
	const held = new Promise<void>((resolve) => (release = resolve));
	await page.route(`**/${chunk}`, async (route) => {
		await held;
		await route.continue();
	});
	await openMock(page);
	await importAnswer(page, PROSE);
	await page.getByTestId('sidebar').getByRole('link', { name: 'Prose' }).click();

	const answer = page.locator('[data-role="assistant"] .markdown');
	await expect(answer).toHaveAttribute('data-rendered', 'false');
	await expect(answer.locator('p')).toHaveText([
		/^A first paragraph of ordinary prose/,
		'A second, shorter one.'
	]);
	const plain = await answer.boundingBox();
	// Record the answer's text at every change: it must never be empty while it swaps.
	await answer.evaluate((element) => {
		const seen: string[] = [];
		new MutationObserver(() => seen.push(element.textContent ?? '')).observe(element, {
			childList: true,
			subtree: true,
			characterData: true
		});
		(window as unknown as { seenTexts: string[] }).seenTexts = seen;
	});

	release();
	await expect(answer).toHaveAttribute('data-rendered', 'true');
	await expect(answer.locator('.markdown-block p')).toHaveCount(2);
	const rendered = await answer.boundingBox();
	expect(rendered?.height).toBeCloseTo(plain?.height ?? -1, 0);
	expect(rendered?.y).toBeCloseTo(plain?.y ?? -1, 0);
	const seen = await page.evaluate(() => (window as unknown as { seenTexts: string[] }).seenTexts);
	expect(seen.length).toBeGreaterThan(0);
	expect(seen.filter((text) => !text.includes('A second, shorter one.'))).toEqual([]);
});

test('every script the first screen runs is preloaded by the page itself: no second round trip for the route', async ({
	page
}) => {
	const preloaded = modulePreloads();
	// The mock backend's chunk, loaded only on ?bridge=mock, is the one script a user never runs.
	const entry = entryChunks(BUILD);
	const mockOnly = allChunks(BUILD).filter((file) => !entry.includes(file));
	const urls = requested(page);
	await openMock(page);
	await expect(page.getByTestId('sidebar')).toBeVisible();
	await expect(page.getByLabel('Message', { exact: true })).toBeEditable();
	const scripts = urls
		.filter((url) => url.endsWith('.js') && !url.endsWith('/bootstrap.js'))
		.map((url) => url.replace(/^\//, ''))
		.filter((file) => !mockOnly.includes(file));
	expect(scripts.some((file) => file.includes('/nodes/'))).toBe(true);
	expect(scripts.filter((file) => !preloaded.includes(file))).toEqual([]);
});

test('the start-up commands leave before the route is mounted, not after it', async ({ page }) => {
	await page.addInitScript(() => {
		const calls: [string, boolean][] = [];
		(window as unknown as { startCalls: typeof calls }).startCalls = calls;
		const fetchOriginal = window.fetch.bind(window);
		window.fetch = (input, init) => {
			const name = String(input).split('/api/')[1] ?? '';
			if (name) calls.push([name, document.querySelector('[data-testid="sidebar"]') !== null]);
			return fetchOriginal(input, init);
		};
	});
	await page.route('**/api/*', async (route) => {
		if (route.request().url().includes('/api/events')) return route.abort();
		const name = new URL(route.request().url()).pathname.split('/').pop() ?? '';
		await route.fulfill({ json: { ok: true, result: emptyBackend()[name] ?? null } });
	});
	await page.goto('/?token=secret');
	await expect(page.getByTestId('sidebar')).toBeVisible();
	const calls = await page.evaluate(
		() => (window as unknown as { startCalls: [string, boolean][] }).startCalls
	);
	const beforeMount = calls.filter(([, mounted]) => !mounted).map(([name]) => name);
	expect(beforeMount).toEqual(
		expect.arrayContaining([
			'get_server_status',
			'list_models',
			'list_conversations',
			'get_config',
			'get_database_recovery',
			'list_providers'
		])
	);
});
