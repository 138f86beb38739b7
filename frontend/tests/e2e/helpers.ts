import { expect, type Page } from '@playwright/test';

export const MOCK_URL = '/?bridge=mock&mock_rate=400';

/** Collects console errors and CSP violations so every test can assert there were none. */
export function watchErrors(page: Page): string[] {
	const errors: string[] = [];
	page.on('console', (message) => {
		if (message.type() === 'error') errors.push(message.text());
	});
	page.on('pageerror', (error) => errors.push(error.message));
	return errors;
}

export async function openMock(page: Page, query = ''): Promise<void> {
	await page.goto(`${MOCK_URL}${query}`);
	await expect(page.getByTestId('server-status')).toHaveAttribute('data-state', 'ready');
}

export async function sendMessage(page: Page, text: string): Promise<void> {
	const input = page.getByLabel('Message', { exact: true });
	await input.fill(text);
	await input.press('Enter');
}

/** Wait until the last answer has finished streaming. */
export async function waitForAnswer(page: Page): Promise<void> {
	await expect(page.getByRole('button', { name: 'Send message' })).toBeVisible({ timeout: 20_000 });
	await expect(page.getByTestId('message').last()).not.toHaveAttribute('data-status', 'streaming');
}

/**
 * What the backend answers its start-up commands with on an empty store. A fake backend starts from
 * these, not from null: the page reads each answer, and a null list throws when the answer happens to
 * come before the route is mounted.
 */
export function emptyBackend(): Record<string, unknown> {
	return {
		get_server_status: {
			state: 'stopped',
			model: null,
			restarts: 0,
			elapsed_s: null,
			hint: null,
			last_error: null,
			pid: null,
			port: null,
			uptime_s: null
		},
		list_models: [],
		list_conversations: [],
		get_config: { values: {}, sources: {}, locked: [], json_schema: {} },
		get_database_recovery: null,
		list_providers: { providers: [], fallbacks: [], failover: [], key_store: 'keyring' }
	};
}
