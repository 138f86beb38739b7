import { expect, test } from '@playwright/test';
import { emptyBackend } from './helpers';

const AT = '2026-01-01T00:00:00Z';
const CONVERSATION = {
	id: 'c1',
	title: 'Pelicans',
	created_at: AT,
	updated_at: AT,
	message_count: 2,
	model: null,
	pinned: false
};
const HIT = {
	conversation_id: 'c1',
	title: 'Pelicans',
	message_id: 'm1',
	snippet: 'all about **pelicans** and more',
	rank: 1
};

test('a search shows "Searching…" while its answer is on its way, then the results or "No results"', async ({
	page
}) => {
	const answers: Record<string, (hits: unknown[]) => void> = {};
	await page.route('**/api/events?token=secret', (route) =>
		route.fulfill({ status: 200, headers: { 'Content-Type': 'text/event-stream' }, body: '' })
	);
	await page.route('**/api/*', async (route) => {
		const name = new URL(route.request().url()).pathname.split('/').pop() ?? '';
		if (name === 'events') return route.fallback();
		if (name === 'search_conversations') {
			const { query } = route.request().postDataJSON() as { query: string };
			const hits = await new Promise<unknown[]>((resolve) => (answers[query] = resolve));
			await route.fulfill({ json: { ok: true, result: hits } });
			return;
		}
		const results: Record<string, unknown> = {
			...emptyBackend(),
			list_conversations: [CONVERSATION]
		};
		await route.fulfill({ json: { ok: true, result: results[name] ?? null } });
	});
	await page.goto('/?token=secret');
	const sidebar = page.getByTestId('sidebar');
	await expect(sidebar.getByRole('link', { name: 'Pelicans' })).toBeVisible();
	const results = page.getByTestId('search-results');

	await page.getByLabel('Search conversations').fill('zebra');
	await expect(results).toHaveText('Searching…');
	await expect(results).toHaveAttribute('aria-busy', 'true');
	await expect.poll(() => Object.keys(answers)).toEqual(['zebra']);
	answers.zebra?.([]);
	await expect(results).toHaveText('No results for “zebra”.');
	await expect(results).toHaveAttribute('aria-busy', 'false');

	// The next query waits again: "No results" of the last one is not shown meanwhile.
	await page.getByLabel('Search conversations').fill('pelican');
	await expect(results).toHaveText('Searching…');
	await expect.poll(() => Object.keys(answers)).toContain('pelican');
	answers.pelican?.([HIT]);
	await expect(results.locator('mark')).toHaveText('pelicans');
	await expect(results).not.toContainText('Searching');
});
