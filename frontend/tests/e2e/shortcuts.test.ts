import { expect, test } from '@playwright/test';
import { openMock, sendMessage, waitForAnswer } from './helpers';

test('Ctrl+Shift+N starts a new chat with the message box focused', async ({ page }) => {
	await openMock(page);
	await sendMessage(page, 'First question');
	await waitForAnswer(page);
	await expect(page).toHaveURL(/#\/chat\//);
	await page.getByRole('link', { name: 'Settings' }).focus();
	await page.keyboard.press('Control+Shift+N');
	await expect(page).toHaveURL(/#\/$/);
	await expect(page.getByTestId('message')).toHaveCount(0);
	await expect(page.getByLabel('Message', { exact: true })).toBeFocused();
	await expect(page.getByTestId('sidebar')).toContainText('First question');
});

test('Esc stops the answer being written and keeps what arrived', async ({ page }) => {
	await openMock(page);
	await sendMessage(page, '/long 4000');
	const answer = page.getByTestId('message').last();
	await expect(answer.locator('.markdown-block').first()).toBeVisible();
	await page.keyboard.press('Escape');
	await expect(answer).toHaveAttribute('data-status', 'cancelled');
	await expect(answer).toContainText('Stopped');
	await expect(answer).toContainText('Section 1');
});
