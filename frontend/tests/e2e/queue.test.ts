import { expect, test, type Page } from '@playwright/test';
import { openMock, sendMessage, waitForAnswer, watchErrors } from './helpers';

/** Each answer waits 1.5 s before its first token, so there is time to queue under it. */
const SLOW_START = '&mock_delay=1500';

const queued = (page: Page) => page.getByTestId('queued-message');
const queuedTexts = (page: Page) => page.getByTestId('queued-text');
const userTexts = (page: Page) => page.locator('[data-testid="message"][data-role="user"]');

async function queue(page: Page, text: string): Promise<void> {
	await expect(page.getByRole('button', { name: 'Stop generating' })).toBeVisible();
	await sendMessage(page, text);
	await expect(queued(page).filter({ hasText: text })).toHaveCount(1);
}

test('queued messages are edited, moved and deleted before they go, then sent in order', async ({
	page
}) => {
	const errors = watchErrors(page);
	await openMock(page);
	await sendMessage(page, '/long 4000');
	await queue(page, 'Dropped one');
	await queue(page, 'Second questoin');
	await queue(page, 'Third question');
	await expect(page.getByRole('button', { name: 'Queue message' })).toBeVisible();
	// Stopped, the queue waits (nothing is sent while the list is changed below).
	await page.getByRole('button', { name: 'Stop generating' }).click();
	await expect(page.getByTestId('queue-paused')).toBeVisible();

	const second = queued(page).nth(1);
	await second.getByRole('button', { name: 'Edit queued message' }).click();
	await page.getByRole('textbox', { name: 'Queued message text' }).fill('Second question');
	await page.getByRole('button', { name: 'Save' }).click();
	await expect(second).toContainText('Second question');
	await queued(page).nth(2).getByRole('button', { name: 'Move up' }).click();
	await expect(queuedTexts(page)).toHaveText(['Dropped one', 'Third question', 'Second question']);
	await queued(page).first().getByRole('button', { name: 'Delete queued message' }).click();
	await expect(queuedTexts(page)).toHaveText(['Third question', 'Second question']);
	await page.screenshot({ path: 'test-results/queue.png' });

	await page.getByRole('button', { name: 'Resume' }).click();
	await expect(page.getByTestId('message-queue')).toHaveCount(0);
	await waitForAnswer(page);
	await expect(userTexts(page).last()).toHaveText('Second question');
	await expect(userTexts(page).nth(-2)).toHaveText('Third question');
	await expect(userTexts(page).filter({ hasText: 'Dropped one' })).toHaveCount(0);
	expect(errors).toEqual([]);
});

test('send now stops the answer, keeping its text, and sends the queued message next', async ({
	page
}) => {
	const errors = watchErrors(page);
	await openMock(page, SLOW_START);
	await sendMessage(page, '/long 4000');
	await queue(page, 'Later');
	await queue(page, 'Urgent');
	const answer = page.locator('[data-role="assistant"]').first();
	await expect(answer).toContainText('Section 1', { timeout: 10_000 });
	await queued(page)
		.filter({ hasText: 'Urgent' })
		.getByRole('button', { name: 'Send now' })
		.click();
	await expect(answer).toHaveAttribute('data-status', 'cancelled');
	await expect(answer).toContainText('Section 1');
	await expect(queuedTexts(page)).toHaveText(['Later']);
	await expect(page.getByTestId('queue-paused')).toHaveCount(0);
	await expect(queued(page)).toHaveCount(0, { timeout: 20_000 });
	await waitForAnswer(page);
	await expect(userTexts(page).last()).toHaveText('Later');
	await expect(userTexts(page).nth(-2)).toHaveText('Urgent');
	expect(errors).toEqual([]);
});

test('Stop pauses the queue: Send next sends one, Resume the rest', async ({ page }) => {
	const errors = watchErrors(page);
	await openMock(page, SLOW_START);
	await sendMessage(page, 'Tell me a story');
	await queue(page, 'One');
	await queue(page, 'Two');
	await page.getByRole('button', { name: 'Stop generating' }).click();
	const paused = page.getByTestId('queue-paused');
	await expect(paused).toContainText('Queue paused: the answer was stopped.');
	await expect(queued(page)).toHaveCount(2);

	await paused.getByRole('button', { name: 'Send next' }).click();
	await expect(queuedTexts(page)).toHaveText(['Two']);
	await waitForAnswer(page);
	// The list is virtualised: the messages above a long answer mount as they come into view.
	await page.getByTestId('messages').evaluate((log) => (log.scrollTop = 0));
	await expect(userTexts(page)).toHaveText(['Tell me a story', 'One']);
	await expect(paused).toBeVisible();
	await page.screenshot({ path: 'test-results/queue-paused.png' });

	await paused.getByRole('button', { name: 'Resume' }).click();
	await expect(page.getByTestId('message-queue')).toHaveCount(0);
	await waitForAnswer(page);
	// The list is virtualised: with three rounds the first may be scrolled out of the DOM.
	await expect(userTexts(page).last()).toHaveText('Two');
	await expect(userTexts(page).nth(-2)).toHaveText('One');
	expect(errors).toEqual([]);
});

test('a failed answer pauses the queue and says why', async ({ page }) => {
	await openMock(page, SLOW_START);
	await sendMessage(page, '/fail');
	await queue(page, 'Not into a failed server');
	const paused = page.getByTestId('queue-paused');
	await expect(paused).toContainText(
		'Queue paused: the answer failed (The server returned an error.).',
		{ timeout: 10_000 }
	);
	await expect(userTexts(page)).toHaveText(['/fail']);
	await expect(queued(page)).toHaveCount(1);
});
