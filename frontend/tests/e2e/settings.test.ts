import { expect, test } from '@playwright/test';
import { openMock } from './helpers';

test.beforeEach(async ({ page }) => {
	await openMock(page);
	await page.getByRole('link', { name: 'Settings' }).click();
	await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
});

test('sections are generated from the schema with help text', async ({ page }) => {
	for (const name of ['Engine', 'Generation', 'Appearance', 'Behaviour']) {
		await expect(page.getByRole('heading', { name, exact: true })).toBeVisible();
	}
	await expect(page.getByText('Randomness; 0 is deterministic.')).toBeVisible();
});

test('locked fields are read-only and say where they come from', async ({ page }) => {
	const port = page.locator('[data-path="engine.port"]');
	await expect(port.getByRole('spinbutton')).toHaveAttribute('readonly', '');
	await expect(port.getByTestId('locked')).toContainText('env');
});

test('backend validation errors appear next to the field', async ({ page }) => {
	const temperature = page.getByLabel('Temperature');
	await temperature.fill('9');
	await temperature.blur();
	await page.getByRole('button', { name: 'Save' }).click();
	await expect(
		page.locator('[data-path="generation.temperature"]').getByRole('alert')
	).toContainText('less than or equal to 5'); // pydantic's words, as from the backend
});

test('a change that needs a restart asks before restarting the server', async ({ page }) => {
	const context = page.getByLabel('Context size');
	await context.fill('8192');
	await context.blur();
	await page.getByRole('button', { name: 'Save' }).click();
	const dialog = page.getByRole('alertdialog');
	await expect(dialog).toContainText('Restart the server?');
	await dialog.getByRole('button', { name: 'Restart now' }).click();
	await expect(dialog).toHaveCount(0);
	await expect(page.getByRole('status').filter({ hasText: 'restarting' })).toBeVisible();
});

test("empty generation fields show the server's defaults and clearing one goes back to it", async ({
	page
}) => {
	const temperature = page.getByLabel('Temperature');
	await expect(temperature).toHaveValue('');
	await expect(temperature).toHaveAttribute('placeholder', '0.8 (server default)');
	await expect(page.getByLabel('Top-k')).toHaveAttribute('placeholder', '40 (server default)');
	await temperature.fill('0.3');
	await temperature.blur();
	await page.getByRole('button', { name: 'Save' }).click();
	await expect(page.getByRole('status')).toContainText('Saved 1 setting');
	await expect(temperature).toHaveValue('0.3');
	await temperature.fill('');
	await temperature.blur();
	await page.getByRole('button', { name: 'Save' }).click();
	await expect(temperature).toHaveValue('');
	await expect(temperature).toHaveAttribute('placeholder', '0.8 (server default)');
});

test('the About section names the app, the engine and its CPU code, and the model', async ({
	page
}) => {
	const about = page.getByTestId('settings-about');
	await expect(about.getByRole('heading', { name: 'About' })).toBeVisible();
	await expect(about).toContainText('0.1.0 (packaged)');
	await expect(about).toContainText('bundled with the app');
	await expect(about).toContainText('haswell');
	await expect(about).toContainText('SmolLM2-135M-Instruct');
});
