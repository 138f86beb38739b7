import { expect, test } from '@playwright/test';
import { openMock } from './helpers';

test('a long conversation renders markdown only for messages near the viewport', async ({
	page
}) => {
	const long = Array.from(
		{ length: 20 },
		(_, index) => `Paragraph ${index} with **bold** text.`
	).join('\n\n');
	const at = '2026-01-02T03:04:05.678Z';
	const messages = Array.from({ length: 60 }, (_, index) => ({
		id: `m${index}`,
		parent_id: index === 0 ? null : `m${index - 1}`,
		role: index % 2 === 0 ? 'user' : 'assistant',
		content: index % 2 === 0 ? `Question ${index}` : long,
		created_at: at
	}));
	const conversation = { id: 'big', title: 'Big one', created_at: at, updated_at: at, messages };
	await openMock(page);
	await page.getByTestId('import-input').setInputFiles({
		name: 'big.json',
		mimeType: 'application/json',
		buffer: Buffer.from(
			JSON.stringify({
				format: 'llamadesk.conversations',
				version: 1,
				conversations: [conversation]
			})
		)
	});
	await page.getByTestId('sidebar').getByRole('link', { name: 'Big one' }).click();
	await expect(page.getByTestId('message')).toHaveCount(60);
	const rendered = await page.locator('[data-testid="message"] .markdown').count();
	expect(rendered).toBeGreaterThan(0);
	expect(rendered).toBeLessThan(30);
	await expect(
		page.getByTestId('message').last().locator('.markdown strong').first()
	).toBeVisible();
});
