import { expect, test } from '@playwright/test';
import { openMock } from './helpers';

test('sending is disabled with a reason when no model is available', async ({ page }) => {
	await page.goto('/?bridge=mock&mock_model=none');
	await expect(page.getByTestId('server-status')).toHaveAttribute('data-state', 'stopped');
	await expect(page.getByText('No model is selected.')).toBeVisible();
	await page.getByLabel('Message', { exact: true }).fill('hello');
	await expect(page.getByRole('button', { name: 'Send message' })).toBeDisabled();
});

test('Shift+Enter adds a line, Enter sends', async ({ page }) => {
	await openMock(page);
	const input = page.getByLabel('Message', { exact: true });
	await input.fill('line one');
	await input.press('Shift+Enter');
	await input.pressSequentially('line two');
	await expect(input).toHaveValue('line one\nline two');
	const heightBefore = await input.evaluate((element) => element.clientHeight);
	await input.press('Shift+Enter');
	await input.pressSequentially('line three');
	expect(await input.evaluate((element) => element.clientHeight)).toBeGreaterThan(heightBefore);
	await input.press('Enter');
	await expect(page.locator('[data-testid="message"][data-role="user"]')).toContainText('line two');
	await expect(input).toHaveValue('');
});

test('keyboard shortcuts toggle the sidebar and focus search and input', async ({ page }) => {
	await openMock(page);
	await page.keyboard.press('Control+b');
	await expect(page.getByTestId('sidebar')).toHaveCount(0);
	await page.keyboard.press('Control+k');
	await expect(page.getByLabel('Search conversations')).toBeFocused();
	await page.keyboard.press('Control+l');
	await expect(page.getByLabel('Message', { exact: true })).toBeFocused();
});

test('with send-on-Enter off, Enter adds a line and Ctrl+Enter sends', async ({ page }) => {
	await openMock(page);
	await page.getByRole('link', { name: 'Settings' }).click();
	await page.getByLabel('Send on Enter').uncheck();
	await page.getByRole('button', { name: 'Save' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Saved 1 setting' })).toBeVisible();
	await page.getByRole('link', { name: 'Back to chat' }).click();
	const input = page.getByLabel('Message', { exact: true });
	await input.fill('one');
	await input.press('Enter');
	await input.pressSequentially('two');
	await expect(input).toHaveValue('one\ntwo');
	await input.press('Control+Enter');
	await expect(page.locator('[data-testid="message"][data-role="user"]')).toContainText('two');
});

test('text files can be dropped or pasted onto the form', async ({ page }) => {
	await openMock(page);
	const form = page.getByRole('form', { name: 'Send a message' });
	await form.evaluate((element) => {
		const data = new DataTransfer();
		data.items.add(new File(['dropped text'], 'dropped.md', { type: 'text/markdown' }));
		element.dispatchEvent(
			new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true })
		);
	});
	await page.getByLabel('Message', { exact: true }).evaluate((element) => {
		const data = new DataTransfer();
		data.items.add(new File(['pasted text'], 'pasted.txt', { type: 'text/plain' }));
		element.dispatchEvent(
			new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true })
		);
	});
	const files = page.getByRole('list', { name: 'Attached files' });
	await expect(files).toContainText('dropped.md');
	await expect(files).toContainText('pasted.txt');
});
