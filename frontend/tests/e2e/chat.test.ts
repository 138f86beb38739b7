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
