import { expect, test, type Page } from '@playwright/test';
import { openMock, watchErrors } from './helpers';

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

async function openPanel(page: Page) {
	await openMock(page);
	await page.getByRole('link', { name: 'Settings' }).click();
	return page.getByTestId('local-api');
}

test('the local API is off until switched on, then shows its URL, model and key', async ({
	page
}) => {
	const errors = watchErrors(page);
	const panel = await openPanel(page);
	await expect(panel.getByTestId('local-api-state')).toHaveText('off');
	await expect(panel.getByTestId('local-api-url')).toHaveCount(0);
	await expect(panel.getByLabel('Serve the local API')).not.toBeChecked();
	await expect(panel.getByLabel('Port')).toHaveValue('7337');
	await expect(page.getByRole('heading', { name: 'Local api', exact: true })).toHaveCount(0);

	await panel.getByLabel('Serve the local API').check();
	await expect(panel.getByTestId('local-api-state')).toHaveText('running');
	await expect(panel.getByTestId('local-api-url')).toHaveText('http://127.0.0.1:7337/v1');
	await expect(panel.getByTestId('local-api-model')).not.toHaveText('no model selected');

	await panel.getByRole('button', { name: 'Copy the base URL' }).click();
	expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
		'http://127.0.0.1:7337/v1'
	);

	await panel.getByLabel('Serve the local API').uncheck();
	await expect(panel.getByTestId('local-api-state')).toHaveText('off');
	await expect(panel.getByTestId('local-api-url')).toHaveCount(0);
	expect(errors).toEqual([]);
});

test('the key is hidden until shown, copied, and replaced by Regenerate', async ({ page }) => {
	const panel = await openPanel(page);
	const key = panel.getByTestId('local-api-key');
	await expect(key).toHaveText('•'.repeat(24));
	await panel.getByRole('button', { name: 'Show' }).click();
	await expect(key).toHaveText(/^ldk-[A-Za-z0-9_-]{40,}$/);
	const first = await key.textContent();

	await panel.getByRole('button', { name: 'Copy the API key' }).click();
	await expect(panel.getByRole('status')).toHaveText('Copied');
	expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(first);

	await panel.getByRole('button', { name: 'Regenerate' }).click();
	await expect(key).not.toHaveText(first ?? '');
	await expect(key).toHaveText(/^ldk-/);
	await expect(panel).toContainText('secrets.json (readable only by you)');
});

test('a taken port fails readably, and another port starts it there', async ({ page }) => {
	const panel = await openPanel(page);
	await panel.getByLabel('Serve the local API').check();
	await expect(panel.getByTestId('local-api-state')).toHaveText('running');

	await panel.getByLabel('Port').fill('11434');
	await panel.getByRole('button', { name: 'Use this port' }).click();
	await expect(panel.getByTestId('local-api-state')).toHaveText('failed');
	await expect(panel.getByTestId('local-api-error')).toContainText(
		'Port 11434 on 127.0.0.1 is already in use by ollama (pid 4242)'
	);
	await expect(panel.getByTestId('local-api-url')).toHaveCount(0);

	await panel.getByLabel('Port').fill('8123');
	await panel.getByRole('button', { name: 'Use this port' }).click();
	await expect(panel.getByTestId('local-api-state')).toHaveText('running');
	await expect(panel.getByTestId('local-api-url')).toHaveText('http://127.0.0.1:8123/v1');
	await expect(panel.getByTestId('local-api-error')).toHaveCount(0);

	await panel.getByLabel('Port').fill('70000');
	await panel.getByRole('button', { name: 'Use this port' }).click();
	await expect(panel.getByRole('alert')).toHaveText('The port is a whole number from 1 to 65535.');
	await expect(panel.getByTestId('local-api-url')).toHaveText('http://127.0.0.1:8123/v1');
});

test('the settings survive a reload: the switch stays on at its port', async ({ page }) => {
	const panel = await openPanel(page);
	await panel.getByLabel('Port').fill('8124');
	await panel.getByLabel('Serve the local API').check();
	await expect(panel.getByTestId('local-api-url')).toHaveText('http://127.0.0.1:8124/v1');
	await page.getByRole('link', { name: 'Back to chat' }).click();
	await page.getByRole('link', { name: 'Settings' }).click();
	await expect(panel.getByLabel('Serve the local API')).toBeChecked();
	await expect(panel.getByTestId('local-api-state')).toHaveText('running');
});
