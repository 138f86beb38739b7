import { expect, test } from '@playwright/test';
import { openMock, sendMessage, waitForAnswer } from './helpers';

async function chat(page: import('@playwright/test').Page, text: string): Promise<void> {
	await page.getByRole('button', { name: 'New chat' }).click();
	await sendMessage(page, text);
	await waitForAnswer(page);
}

test('conversations are listed under Today, pinned ones on top', async ({ page }) => {
	await openMock(page);
	await chat(page, 'Alpha topic');
	await chat(page, 'Beta topic');
	const sidebar = page.getByTestId('sidebar');
	await expect(sidebar.getByRole('region', { name: 'Today' })).toContainText('Alpha topic');
	await sidebar.getByRole('button', { name: 'Actions for Alpha topic' }).click();
	await page.getByRole('menuitem', { name: 'Pin' }).click();
	await expect(sidebar.getByRole('region', { name: 'Pinned' })).toContainText('Alpha topic');
	await expect(sidebar.getByRole('region').first()).toHaveAccessibleName('Pinned');
});

test('search shows snippets with the match highlighted', async ({ page }) => {
	await openMock(page);
	await chat(page, 'Tell me about pelicans');
	await chat(page, 'Something else');
	await page.getByLabel('Search conversations').fill('pelican');
	const results = page.getByTestId('search-results');
	await expect(results.locator('mark').first()).toHaveText(/pelican/i);
	await results.getByRole('link').first().click();
	await expect(page.locator('[data-role="user"]').first()).toContainText('pelicans');
});

test('a conversation can be renamed inline', async ({ page }) => {
	await openMock(page);
	await chat(page, 'Old name');
	const sidebar = page.getByTestId('sidebar');
	await sidebar.getByRole('link', { name: 'Old name' }).dblclick();
	const title = sidebar.getByLabel('Conversation title');
	await title.fill('New name');
	await title.press('Enter');
	await expect(sidebar.getByRole('link', { name: 'New name' })).toBeVisible();
	await expect(page.getByTestId('chat-header')).toContainText('New name');
});

test('delete can be undone', async ({ page }) => {
	await openMock(page);
	await chat(page, 'Keep me');
	const sidebar = page.getByTestId('sidebar');
	await sidebar.getByRole('button', { name: 'Actions for Keep me' }).click();
	await page.getByRole('menuitem', { name: 'Delete' }).click();
	await expect(sidebar.getByRole('link', { name: 'Keep me' })).toHaveCount(0);
	await page.getByTestId('undo-delete').getByRole('button', { name: 'Undo' }).click();
	await expect(sidebar.getByRole('link', { name: 'Keep me' })).toBeVisible();
});

test('conversations export as JSON and import back', async ({ page }) => {
	await openMock(page);
	await chat(page, 'Exported chat');
	await page.getByRole('button', { name: 'Export conversations' }).click();
	const download = page.waitForEvent('download');
	await page.getByRole('menuitem', { name: 'Export all as JSON' }).click();
	const file = await download;
	// Named after the one conversation, as the backend names it.
	expect(file.suggestedFilename()).toBe('Exported-chat.json');
	const path = await file.path();
	await page.getByTestId('import-input').setInputFiles(path);
	await expect(
		page.getByTestId('sidebar').getByRole('link', { name: 'Exported chat' })
	).toHaveCount(2);
});

test('a long conversation list keeps a screenful in the DOM and loads more as it scrolls', async ({
	page
}) => {
	const count = 450;
	const conversations = Array.from({ length: count }, (_, index) => {
		const at = new Date(Date.UTC(2026, 0, 1) + index * 60_000).toISOString();
		return {
			id: `c${index}`,
			title: `Conversation ${index}`,
			created_at: at,
			updated_at: at,
			messages: [{ id: `m${index}`, parent_id: null, role: 'user', content: 'Hi', created_at: at }]
		};
	});
	await openMock(page);
	await page.getByTestId('import-input').setInputFiles({
		name: 'many.json',
		mimeType: 'application/json',
		buffer: Buffer.from(
			JSON.stringify({ format: 'llamadesk.conversations', version: 1, conversations })
		)
	});
	const sidebar = page.getByTestId('sidebar');
	await expect(sidebar.getByRole('link', { name: `Conversation ${count - 1}` })).toBeVisible();
	expect(await page.getByTestId('conversation-item').count()).toBeLessThan(100);
	// The newest come first; scrolling to the end loads the next pages up to the oldest.
	await sidebar.getByRole('link', { name: `Conversation ${count - 1}` }).hover();
	await expect(async () => {
		await page.mouse.wheel(0, 20_000);
		await expect(sidebar.getByRole('link', { name: 'Conversation 0', exact: true })).toBeVisible({
			timeout: 500
		});
	}).toPass({ timeout: 20_000 });
	expect(await page.getByTestId('conversation-item').count()).toBeLessThan(100);
});

test('a row mounts its actions menu only when it is hovered or focused', async ({ page }) => {
	await openMock(page);
	await chat(page, 'First topic');
	await chat(page, 'Second topic');
	const sidebar = page.getByTestId('sidebar');
	const menus = sidebar.getByTestId('conversation-item').locator('[data-dropdown-menu-trigger]');
	await page.mouse.move(900, 400); // away from the sidebar
	await expect(sidebar.getByRole('button', { name: 'Actions for First topic' })).toHaveCount(1);
	// Each row has a plain stand-in, not a menu: a menu per row was most of the sidebar's boot.
	await expect(menus).toHaveCount(0);
	await sidebar.getByRole('link', { name: 'First topic' }).hover();
	await expect(menus).toHaveCount(1);
	// Focus reaching the stand-in by keyboard moves to the real trigger, which opens the menu.
	await sidebar.getByRole('link', { name: 'Second topic' }).focus();
	await page.keyboard.press('Tab');
	const trigger = sidebar.getByRole('button', { name: 'Actions for Second topic' });
	await expect(trigger).toBeFocused();
	await expect(trigger).toHaveAttribute('data-dropdown-menu-trigger', '');
	await page.keyboard.press('Enter');
	await page.getByRole('menuitem', { name: 'Pin' }).click();
	await expect(sidebar.getByRole('region', { name: 'Pinned' })).toContainText('Second topic');
});

test('a long list mounts only a screenful of rows, even before they are measured', async ({
	page
}) => {
	await openMock(page);
	// The most conversation rows ever in the DOM at once, from the first frame on.
	await page.evaluate(() => {
		const record = window as unknown as { mostItems: number };
		record.mostItems = 0;
		new MutationObserver(() => {
			const items = document.querySelectorAll('[data-testid="conversation-item"]').length;
			record.mostItems = Math.max(record.mostItems, items);
		}).observe(document.body, { childList: true, subtree: true });
	});
	const at = new Date(Date.UTC(2026, 0, 1)).toISOString();
	const conversations = Array.from({ length: 450 }, (_, index) => ({
		id: `c${index}`,
		title: `Conversation ${index}`,
		created_at: at,
		updated_at: at,
		messages: [{ id: `m${index}`, parent_id: null, role: 'user', content: 'Hi', created_at: at }]
	}));
	await page.getByTestId('import-input').setInputFiles({
		name: 'many.json',
		mimeType: 'application/json',
		buffer: Buffer.from(
			JSON.stringify({ format: 'llamadesk.conversations', version: 1, conversations })
		)
	});
	await expect(page.getByTestId('sidebar').getByRole('link').first()).toBeVisible();
	const most = await page.evaluate(() => (window as unknown as { mostItems: number }).mostItems);
	expect(most).toBeGreaterThan(0);
	expect(most).toBeLessThan(100); // 200 (the whole first page) without the row size hint
});
