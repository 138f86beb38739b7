import { expect, test, type Page } from '@playwright/test';
import { openMock, watchErrors } from './helpers';

/** Settings → Providers on the mock (its checks: port 9 unreachable, key `wrong-key` refused). */
async function openProviders(page: Page): Promise<void> {
	await openMock(page);
	await page.getByRole('link', { name: 'Settings' }).click();
	await page.getByRole('tab', { name: 'Providers' }).click();
	await expect(page.getByRole('heading', { name: 'Providers' })).toBeVisible();
}

async function addProvider(
	page: Page,
	name: string,
	url: string,
	key: string | null = null
): Promise<void> {
	await page.getByRole('button', { name: 'Add provider' }).click();
	const form = page.getByRole('form', { name: 'Add a provider' });
	await form.getByLabel('Name').fill(name);
	await form.getByLabel('Base URL').fill(url);
	if (key) await form.getByLabel('API key').fill(key);
	await form.getByRole('button', { name: 'Add provider' }).click();
	await expect(form).toBeHidden();
}

function provider(page: Page, name: string) {
	return page.getByRole('listitem', { name, exact: true });
}

test('a provider added with a key shows "Key set", its health and models, never the key', async ({
	page
}) => {
	const errors = watchErrors(page);
	await openProviders(page);
	await expect(provider(page, 'This computer').getByTestId('provider-health')).toHaveText(
		'Reachable'
	);
	await addProvider(page, 'Desktop', 'http://192.168.1.5:8080/v1', 'sk-very-secret-1234');
	const item = provider(page, 'Desktop');
	await expect(item.getByTestId('provider-health')).toHaveText('Reachable');
	await expect(item.getByTestId('provider-key-set')).toBeVisible();
	await expect(item.getByTestId('provider-health-summary')).toContainText('Qwen2.5-7B-Instruct');
	await expect(page.locator('body')).not.toContainText('sk-very-secret-1234');

	// Editing shows that a key is set, not the key; an empty field keeps it.
	await item.getByRole('button', { name: 'Edit Desktop' }).click();
	const form = page.getByRole('form', { name: 'Edit Desktop' });
	await expect(form.getByLabel('API key')).toHaveValue('');
	await expect(form.getByLabel('API key')).toHaveAttribute('placeholder', 'Key set');
	expect(
		await page.evaluate(() =>
			[...document.querySelectorAll('input')].map((input) => input.value).join('\n')
		)
	).not.toContain('sk-very-secret-1234');
	await form.getByLabel('Name').fill('Desk');
	await form.getByLabel('Timeout (seconds)').fill('30');
	await form.getByRole('button', { name: 'Save' }).click();
	await expect(form).toBeHidden();
	await expect(provider(page, 'Desk').getByTestId('provider-key-set')).toBeVisible();

	// Removing the key, then the provider.
	await provider(page, 'Desk').getByRole('button', { name: 'Edit Desk' }).click();
	await page.getByLabel('Remove the stored key').check();
	await page.getByRole('button', { name: 'Save' }).click();
	await expect(provider(page, 'Desk').getByTestId('provider-key-set')).toBeHidden();
	await provider(page, 'Desk').getByRole('button', { name: 'Remove Desk' }).click();
	await provider(page, 'Desk').getByRole('button', { name: 'Remove', exact: true }).click();
	await expect(provider(page, 'Desk')).toBeHidden();
	await expect(page.getByTestId('provider-item')).toHaveCount(1);
	expect(errors).toEqual([]);
});

test('an unreachable provider and a refused key show their errors; Check now checks again', async ({
	page
}) => {
	await openProviders(page);
	await addProvider(page, 'Office', 'http://127.0.0.1:9/v1');
	const office = provider(page, 'Office');
	await expect(office.getByTestId('provider-health')).toHaveText('Unreachable');
	await expect(office.getByTestId('provider-error')).toHaveText(
		"Lost the connection to provider 'Office' (GET /v1/models)."
	);
	await expect(office.getByTestId('provider-health-summary')).toContainText('next try in 2 s');
	await office.getByRole('button', { name: 'Check now' }).click();
	await expect(office.getByTestId('provider-health-summary')).toContainText('next try in 4 s');

	await addProvider(page, 'Hosted', 'https://api.example.com/v1', 'wrong-key');
	await expect(provider(page, 'Hosted').getByTestId('provider-error')).toHaveText(
		"Provider 'Hosted' rejected the API key."
	);
	await expect(provider(page, 'Hosted').getByTestId('provider-health')).toHaveText('Key refused');
});

test('the form shows the backend\'s field errors and "local network only" refusals', async ({
	page
}) => {
	await openProviders(page);
	await page.getByRole('button', { name: 'Add provider' }).click();
	const form = page.getByRole('form', { name: 'Add a provider' });
	await form.getByLabel('Name').fill('Far');
	await form.getByLabel('Base URL').fill('ftp://example.com');
	await form.getByLabel('Timeout (seconds)').fill('0');
	await form.getByRole('button', { name: 'Add provider' }).click();
	await expect(form.getByText(/String should match pattern/)).toBeVisible();
	await expect(form.getByText('Input should be greater than 0')).toBeVisible();
	await form.getByLabel('Base URL').fill('http://8.8.8.8/v1');
	await form.getByLabel('Timeout (seconds)').fill('60');
	await form.getByLabel('Local network only').check();
	await form.getByRole('button', { name: 'Add provider' }).click();
	await expect(form.getByTestId('provider-form-error')).toContainText(
		"Provider 'Far' is marked 'local network only', but 8.8.8.8 is 8.8.8.8"
	);
	await expect(page.getByTestId('provider-item')).toHaveCount(1);
});

test('a failover list per model: policy, order, removal', async ({ page }) => {
	await openProviders(page);
	await addProvider(page, 'Desktop', 'http://192.168.1.5:8080/v1');
	await expect(provider(page, 'Desktop').getByTestId('provider-health')).toHaveText('Reachable');
	await page.getByLabel('The model a new failover list is for').selectOption({
		label: 'This computer · any model'
	});
	await page.getByRole('button', { name: 'Add a failover list' }).click();
	const rule = page.getByRole('listitem', { name: 'Failover for This computer · any model' });
	const add = rule.getByLabel('Add to the failover for This computer · any model');
	await add.selectOption({ label: 'Desktop · Qwen2.5-7B-Instruct' });
	await add.selectOption({ label: 'Desktop · Llama-3.1-8B-Instruct' });
	await expect(rule.getByTestId('failover-target')).toHaveText([
		/Desktop · Qwen2.5-7B-Instruct/,
		/Desktop · Llama-3.1-8B-Instruct/
	]);
	await rule.getByRole('button', { name: 'Move Desktop · Llama-3.1-8B-Instruct up' }).click();
	await expect(rule.getByTestId('failover-target')).toHaveText([
		/Desktop · Llama-3.1-8B-Instruct/,
		/Desktop · Qwen2.5-7B-Instruct/
	]);
	await rule.getByLabel('Policy').selectOption('ask');
	// What the backend holds, read back by reopening the tab.
	await page.getByRole('tab', { name: 'Tools' }).click();
	await page.getByRole('tab', { name: 'Providers' }).click();
	await expect(rule.getByLabel('Policy')).toHaveValue('ask');
	await expect(rule.getByTestId('failover-target').first()).toContainText('Llama-3.1-8B-Instruct');
	await rule
		.getByRole('button', { name: 'Remove the failover for This computer · any model' })
		.click();
	await expect(page.getByText('No failover lists yet.')).toBeVisible();
});
