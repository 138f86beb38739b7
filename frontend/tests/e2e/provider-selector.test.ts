import { expect, test, type Page } from '@playwright/test';
import { openMock, sendMessage, waitForAnswer, watchErrors } from './helpers';

/** Add a provider on Settings → Providers (the mock: port 9 is unreachable) and go back. */
async function addProviders(page: Page, providers: [string, string][]): Promise<void> {
	await page.getByRole('link', { name: 'Settings' }).click();
	await page.getByRole('tab', { name: 'Providers' }).click();
	for (const [name, url] of providers) {
		await page.getByRole('button', { name: 'Add provider' }).click();
		const form = page.getByRole('form', { name: 'Add a provider' });
		await form.getByLabel('Name').fill(name);
		await form.getByLabel('Base URL').fill(url);
		await form.getByRole('button', { name: 'Add provider' }).click();
		await expect(form).toBeHidden();
	}
	await page.getByRole('link', { name: 'Back to chat' }).click();
}

test('the selector groups models by provider, local first, with health; a remote answers and is remembered', async ({
	page
}) => {
	const errors = watchErrors(page);
	await openMock(page);
	await addProviders(page, [
		['Desktop', 'http://192.168.1.5:8080/v1'],
		['Office', 'http://127.0.0.1:9/v1']
	]);
	const selector = page.getByTestId('model-selector');
	await selector.click();
	const listbox = page.getByRole('listbox');
	const headings = listbox.locator('[data-select-group-label]');
	await expect(headings).toHaveText([
		'This computer',
		/^Desktop\s*Reachable$/,
		/^Office\s*Unreachable$/
	]);
	const office = listbox.getByTestId('selector-provider').filter({ hasText: 'Office' });
	await expect(office.getByTestId('selector-provider-problem')).toHaveText(
		"Lost the connection to provider 'Office' (GET /v1/models)."
	);
	await expect(office.getByRole('option')).toHaveCount(0);
	await listbox.getByRole('option', { name: 'Llama-3.1-8B-Instruct' }).click();
	await expect(selector).toContainText('Desktop · Llama-3.1-8B-Instruct');

	// The first message creates the conversation on the chosen provider; the answer names it.
	await sendMessage(page, 'Hello there');
	await waitForAnswer(page);
	await expect(page.getByTestId('message-writer').last()).toHaveText(
		'Desktop · Llama-3.1-8B-Instruct'
	);
	await expect(selector).toContainText('Desktop · Llama-3.1-8B-Instruct');

	// Another conversation answers locally; coming back, the first remembers its provider.
	await page.getByRole('button', { name: 'New chat' }).first().click();
	await expect(selector).not.toContainText('Desktop');
	await sendMessage(page, 'Local please');
	await waitForAnswer(page);
	await expect(page.getByTestId('message-writer').last()).toHaveText(/^This computer · /);
	// (Through the sidebar: the mock keeps its state in the page, a reload would start afresh.)
	await page
		.getByTestId('sidebar')
		.getByRole('link', { name: /Hello there/ })
		.click();
	await expect(selector).toContainText('Desktop · Llama-3.1-8B-Instruct');
	expect(errors).toEqual([]);
});

test('an answer finished by another provider says "continued on" it, with the note', async ({
	page
}) => {
	const at = '2026-03-02T10:00:00Z';
	const note =
		'This computer stopped mid-answer (the server crashed); Desktop finished it from where it stopped.';
	await openMock(page);
	await page.getByTestId('import-input').setInputFiles({
		name: 'failover.json',
		mimeType: 'application/json',
		buffer: Buffer.from(
			JSON.stringify({
				format: 'llamadesk.conversations',
				version: 1,
				conversations: [
					{
						id: 'c1',
						title: 'Fell back',
						created_at: at,
						updated_at: at,
						messages: [
							{ id: 'u1', parent_id: null, role: 'user', content: 'Hi', created_at: at },
							{
								id: 'a1',
								parent_id: 'u1',
								role: 'assistant',
								content: 'Hello from two machines.',
								created_at: at,
								model: 'Qwen2.5-7B-Instruct',
								provider_id: 'p-1',
								provider_name: 'Desktop',
								failover: note
							}
						]
					}
				]
			})
		)
	});
	await page.getByRole('link', { name: 'Fell back' }).click();
	await expect(page.getByTestId('message-writer')).toHaveText('Desktop · Qwen2.5-7B-Instruct');
	await expect(page.getByTestId('message-failover')).toHaveText('continued on Desktop');
	await expect(page.getByTestId('message-failover')).toHaveAttribute('title', note);
});
