import { expect, test } from '@playwright/test';
import { openMock, sendMessage, waitForAnswer, watchErrors } from './helpers';

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

test('a typing indicator shows until the first token arrives', async ({ page }) => {
	// The first token comes 4 s after the send: long enough for a loaded machine to show the
	// indicator before it (at 1.5 s it was sometimes gone before the check ran).
	await openMock(page, '&mock_delay=4000');
	await sendMessage(page, 'Hi');
	const answer = page.getByTestId('message').last();
	await expect(answer.getByRole('status', { name: 'The model is thinking' })).toBeVisible();
	await expect(answer.locator('.markdown')).toBeVisible({ timeout: 15_000 });
	await expect(answer.getByRole('status', { name: 'The model is thinking' })).toHaveCount(0);
});

test('regenerate makes a sibling answer with < 2/2 > navigation', async ({ page }) => {
	await openMock(page);
	await sendMessage(page, 'Hello');
	await waitForAnswer(page);
	await page.getByRole('button', { name: 'Regenerate answer' }).click();
	await waitForAnswer(page);
	const branching = page.getByTestId('message').last().getByTestId('branching');
	await expect(branching).toContainText('2/2');
	await branching.getByRole('button', { name: 'Previous version' }).click();
	await expect(page.getByTestId('message').last().getByTestId('branching')).toContainText('1/2');
});

test('editing a user message starts a new branch', async ({ page }) => {
	await openMock(page);
	await sendMessage(page, 'First wording');
	await waitForAnswer(page);
	await page.getByRole('button', { name: 'Edit message' }).click();
	await page.getByRole('textbox', { name: 'Edit message' }).fill('Second wording');
	await page.getByRole('button', { name: 'Save & send' }).click();
	await waitForAnswer(page);
	const user = page.locator('[data-testid="message"][data-role="user"]');
	await expect(user).toHaveCount(1);
	await expect(user).toContainText('Second wording');
	await expect(user.getByTestId('branching')).toContainText('2/2');
});

test('stop keeps the partial answer and marks it stopped', async ({ page }) => {
	await openMock(page);
	await sendMessage(page, '/long 5000');
	await expect(page.getByTestId('message').last().locator('.markdown')).toBeVisible();
	await page.getByRole('button', { name: 'Stop generating' }).click();
	const answer = page.getByTestId('message').last();
	await expect(answer).toHaveAttribute('data-status', 'cancelled');
	await expect(answer).toContainText('Stopped');
	await expect(answer.locator('h2').first()).toBeVisible();
});

test('reasoning is shown in a collapsible block', async ({ page }) => {
	await openMock(page);
	await sendMessage(page, '/think');
	await waitForAnswer(page);
	const reasoning = page.getByTestId('message').last().locator('details');
	await expect(reasoning).toContainText(/Thought for \d+(\.\d)? s/);
	await reasoning.locator('summary').click();
	await expect(reasoning).toContainText('Six times seven');
});

test('a server crash shows the error on the message with a retry, then recovers', async ({
	page
}) => {
	await openMock(page);
	await sendMessage(page, '/crash');
	const answer = page.getByTestId('message').last();
	await expect(answer).toHaveAttribute('data-status', 'error');
	await expect(answer.getByRole('alert')).toContainText('crashed');
	await expect(answer).toContainText('Partial answer');
	await expect(page.getByTestId('server-problem')).toContainText('SIGKILL');
	await expect(page.getByTestId('server-problem')).toContainText('smaller model');
	await expect(page.getByTestId('server-status')).toHaveAttribute('data-state', 'ready', {
		timeout: 15_000
	});
	await answer.getByRole('button', { name: 'Retry' }).click();
	await waitForAnswer(page);
	await expect(page.getByTestId('message').last().getByTestId('branching')).toContainText('2/2');
});

test('the copy button of a code block copies its code', async ({ page }) => {
	const errors = watchErrors(page);
	await openMock(page);
	await sendMessage(page, 'code please');
	await waitForAnswer(page);
	const copy = page.getByRole('button', { name: 'Copy code' }).first();
	await copy.click();
	await expect(copy).toHaveText('Copied');
	expect(await page.evaluate(() => navigator.clipboard.readText())).toContain('def greet');
	expect(errors).toEqual([]);
});

test('auto-scroll stops when the user scrolls up; jump to bottom resumes it', async ({ page }) => {
	await openMock(page, '&mock_rate=1500');
	await sendMessage(page, '/long 6000');
	const log = page.getByTestId('messages');
	await expect(log.locator('h2').nth(8)).toBeVisible();
	await log.hover();
	await page.mouse.wheel(0, -2000);
	const jump = page.getByRole('button', { name: 'Jump to bottom' });
	await expect(jump).toBeVisible();
	const before = await log.evaluate((element) => element.scrollTop);
	await page.waitForTimeout(500);
	expect(await log.evaluate((element) => element.scrollTop)).toBe(before);
	await jump.click();
	await expect(jump).toHaveCount(0);
	await expect
		.poll(() =>
			log.evaluate((element) => element.scrollHeight - element.scrollTop - element.clientHeight)
		)
		.toBeLessThan(60);
	await page.getByRole('button', { name: 'Stop generating' }).click();
});

test('clear removes every message of the conversation', async ({ page }) => {
	await openMock(page);
	await sendMessage(page, 'Soon gone');
	await waitForAnswer(page);
	await page.getByRole('button', { name: 'Clear conversation' }).click();
	await expect(page.getByTestId('message')).toHaveCount(0);
	await expect(page.getByText('Start a conversation')).toBeVisible();
});

test('a stopped answer can be continued', async ({ page }) => {
	await openMock(page);
	await sendMessage(page, '/long 3000');
	const answer = page.getByTestId('message').last();
	await expect(answer.locator('.markdown')).toBeVisible();
	await page.getByRole('button', { name: 'Stop generating' }).click();
	await expect(answer).toHaveAttribute('data-status', 'cancelled');
	const stoppedLength = (await answer.textContent())?.length ?? 0;
	await answer.getByRole('button', { name: 'Continue' }).click();
	await expect(answer).toHaveAttribute('data-status', 'complete', { timeout: 10_000 });
	expect((await answer.textContent())?.length ?? 0).toBeGreaterThan(stoppedLength);
	await expect(answer).not.toContainText('Stopped');
});

test('deleting an answer removes it and keeps the question', async ({ page }) => {
	await openMock(page);
	await sendMessage(page, 'Short lived');
	await waitForAnswer(page);
	await expect(page.getByTestId('message')).toHaveCount(2);
	await page.getByTestId('message').last().getByRole('button', { name: 'Delete message' }).click();
	await expect(page.getByTestId('message')).toHaveCount(1);
	await expect(page.getByTestId('message')).toHaveAttribute('data-role', 'user');
	await expect(page.getByTestId('message')).toContainText('Short lived');
});
