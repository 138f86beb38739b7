import { expect, test } from '@playwright/test';
import { openMock, sendMessage, waitForAnswer, watchErrors } from './helpers';

test('the built page loads under the CSP with no console errors', async ({ page }) => {
	const errors = watchErrors(page);
	await openMock(page);
	const csp = await page
		.locator('meta[http-equiv="Content-Security-Policy"]')
		.getAttribute('content');
	expect(csp).toContain("script-src 'self' 'unsafe-eval'");
	expect(await page.locator('script:not([src])').count()).toBe(0);
	expect(errors).toEqual([]);
});

test('sending a message streams the answer into a new conversation', async ({ page }) => {
	const errors = watchErrors(page);
	await openMock(page);
	await sendMessage(page, 'Hello there');
	await expect(page).toHaveURL(/#\/chat\/conv-\d+/);
	const answer = page.getByTestId('message').last();
	await expect(answer).toHaveAttribute('data-role', 'assistant');
	await expect(answer.locator('table')).toBeVisible();
	await waitForAnswer(page);
	await expect(answer.locator('.code-block code.hljs .hljs-keyword').first()).toBeVisible();
	await expect(answer.locator('.katex').first()).toBeVisible();
	await expect(answer.getByTestId('timings')).toContainText('tokens/s');
	await expect(
		page.getByTestId('sidebar').getByRole('link', { name: 'Hello there' })
	).toBeVisible();
	expect(errors).toEqual([]);
});

test('each conversation has its own address; back and forward move between them', async ({
	page
}) => {
	await openMock(page);
	await sendMessage(page, 'About owls');
	await waitForAnswer(page);
	const owls = page.url();
	await page.keyboard.press('Control+Shift+N');
	await sendMessage(page, 'About bees');
	await waitForAnswer(page);
	const bees = page.url();
	expect(bees).not.toBe(owls);
	await page.goBack();
	await page.goBack();
	await expect(page).toHaveURL(owls);
	await expect(page.getByTestId('message').first()).toContainText('About owls');
	await expect(page.getByRole('heading', { level: 1 })).toContainText('About owls');
	await page.goForward();
	await page.goForward();
	await expect(page).toHaveURL(bees);
	await expect(page.getByTestId('message').first()).toContainText('About bees');
});
