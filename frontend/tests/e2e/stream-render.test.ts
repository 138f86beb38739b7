import { expect, test, type Page } from '@playwright/test';
import { openMock, sendMessage, waitForAnswer } from './helpers';

/**
 * What keeps a chunk's cost flat (bench_frontend_stream): only the answer's unfinished tail
 * changes, finished blocks are never touched again, and following the bottom moves nothing
 * else (the virtual list does not re-measure, shift or scroll for the answer being written).
 */

const ANSWER = '[data-testid="message"][data-role="assistant"]';

/** Counts script calls of scrollTo/scrollBy on any element (the virtual list's own scrolling). */
async function countScrollCalls(page: Page): Promise<void> {
	await page.evaluate(() => {
		const target = window as unknown as { __scrollCalls: number };
		target.__scrollCalls = 0;
		for (const name of ['scrollTo', 'scrollBy'] as const) {
			const original = Element.prototype[name] as (...args: unknown[]) => void;
			Element.prototype[name] = function (this: Element, ...args: unknown[]) {
				target.__scrollCalls += 1;
				original.apply(this, args);
			} as Element['scrollTo'];
		}
	});
}

function distanceFromBottom(page: Page): Promise<number> {
	return page
		.getByTestId('messages')
		.evaluate((log) => log.scrollHeight - log.scrollTop - log.clientHeight);
}

test('an answer streaming at the bottom is followed without the list scrolling for it', async ({
	page
}) => {
	await openMock(page);
	await sendMessage(page, 'Hello');
	await waitForAnswer(page);
	await countScrollCalls(page);
	await sendMessage(page, '/long 5000');
	const answer = page.locator(ANSWER).last();
	const blocks = answer.locator('.markdown-block');
	await expect.poll(() => blocks.count()).toBeGreaterThan(10);
	const calls = () =>
		page.evaluate(() => (window as unknown as { __scrollCalls: number }).__scrollCalls);
	const early = await calls();
	await expect.poll(() => blocks.count(), { timeout: 10_000 }).toBeGreaterThan(60);
	// Fifty blocks of chunks later: no scroll call for any of them, and still at the bottom.
	expect(await calls()).toBe(early);
	expect(await distanceFromBottom(page)).toBeLessThanOrEqual(48);
	await answer.evaluate(
		(element) => ((window as unknown as { __answer: Element }).__answer = element)
	);
	await page.getByRole('button', { name: 'Stop generating' }).click();
	// Stopped, it stays where it was written: the same element (its blocks not built again in
	// the list), the same text, still at the bottom.
	await expect(answer).toHaveAttribute('data-status', 'cancelled');
	const same = await answer.evaluate(
		(element) => element === (window as unknown as { __answer: Element }).__answer
	);
	expect(same).toBe(true);
	// (a stop right after a heading's `## ` leaves that heading empty, with no height)
	await expect(answer.locator('.markdown h2').filter({ hasText: /\S/ }).last()).toBeVisible();
	expect(await distanceFromBottom(page)).toBeLessThanOrEqual(48);
	// The next message moves it into the list; the new answer takes its place.
	await sendMessage(page, 'Hello');
	await waitForAnswer(page);
	const live = page.getByTestId('live-answer');
	await expect(live.locator(ANSWER)).toHaveAttribute('data-status', 'complete');
	await expect(live.locator(`${ANSWER}[data-status="cancelled"]`)).toHaveCount(0);
	await expect(page.locator(`${ANSWER}[data-status="cancelled"]`)).toHaveCount(1);
	expect(await distanceFromBottom(page)).toBeLessThanOrEqual(48);
});

test('a finished markdown block is not re-rendered when a chunk arrives', async ({ page }) => {
	await openMock(page);
	await sendMessage(page, '/long 5000');
	const answer = page.locator(ANSWER).last();
	const first = answer.locator('.markdown-group .markdown-block').first();
	await expect(answer.locator('.markdown-group .markdown-block').nth(1)).toBeAttached();
	await first.evaluate((block) => {
		const target = window as unknown as { __block: Element; __changes: number };
		target.__block = block;
		target.__changes = 0;
		new MutationObserver((records) => (target.__changes += records.length)).observe(block, {
			subtree: true,
			childList: true,
			attributes: true,
			characterData: true
		});
	});
	const blocks = () => answer.locator('.markdown-block').count();
	// Many chunks later, still streaming: the first block is the same node, untouched.
	await expect.poll(blocks, { timeout: 10_000 }).toBeGreaterThan(60);
	await expect(answer).toHaveAttribute('data-status', 'streaming');
	const state = await first.evaluate((block) => {
		const target = window as unknown as { __block: Element; __changes: number };
		return { same: block === target.__block, changes: target.__changes };
	});
	expect(state).toEqual({ same: true, changes: 0 });
	await page.getByRole('button', { name: 'Stop generating' }).click();
	await expect(answer).toHaveAttribute('data-status', 'cancelled');
});
