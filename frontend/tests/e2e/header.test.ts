import { expect, test } from '@playwright/test';
import { openMock } from './helpers';

test('the model selector switches the model', async ({ page }) => {
	await openMock(page);
	const selector = page.getByTestId('model-selector');
	await expect(selector).toContainText('Qwen2.5 7B');
	await selector.click();
	const big = page.getByRole('option', { name: /Llama 3\.1 70B/ });
	await expect(big).toContainText('70.6B · Q4_K_M · 42.5 GB');
	await expect(big.getByTestId('fit-warning')).toContainText('more memory');
	await page.getByRole('option', { name: /Llama 3\.2 3B/ }).click();
	await expect(selector).toContainText('Llama 3.2 3B');
	await expect(page.getByTestId('server-status')).toHaveAttribute('data-state', 'ready');
});

test('the logs panel renders only the visible rows of a long log', async ({ page }) => {
	await openMock(page);
	await page.getByRole('button', { name: 'Server logs' }).click();
	const panel = page.getByRole('region', { name: 'Server logs' });
	await expect(panel).toContainText('400 lines');
	const logs = panel.getByTestId('logs');
	await expect(logs).toContainText('log line 1:');
	const rendered = await logs.locator('div > div').count();
	expect(rendered).toBeLessThan(100);
	await logs.evaluate((element) => (element.scrollTop = element.scrollHeight));
	await expect(logs).toContainText('log line 400:');
	await panel.getByRole('button', { name: 'Close logs' }).click();
	await expect(panel).toHaveCount(0);
});
