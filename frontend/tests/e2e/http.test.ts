import { expect, test } from '@playwright/test';
import { emptyBackend } from './helpers';

const at = '2026-01-01T00:00:00Z';
const conversation = {
	id: 'c1',
	title: 'Browser chat',
	created_at: at,
	updated_at: at,
	message_count: 0,
	model: null,
	pinned: false
};

test('browser mode calls POST /api/<name> with the token and reads events over SSE', async ({
	page
}) => {
	const authorizations = new Set<string>();
	const results: Record<string, unknown> = {
		...emptyBackend(),
		get_server_status: {
			state: 'crashed',
			model: 'm',
			pid: null,
			port: null,
			uptime_s: null,
			elapsed_s: 0,
			restarts: 1,
			last_error: 'exit 1',
			hint: 'Check the logs.'
		},
		list_conversations: [conversation]
	};
	let listed = (): void => undefined;
	const conversationsListed = new Promise<void>((resolve) => (listed = resolve));
	await page.route('**/api/events?token=secret', async (route) => {
		await conversationsListed;
		await route.fulfill({
			status: 200,
			headers: { 'Content-Type': 'text/event-stream' },
			body:
				'retry: 600000\n\n' +
				`data: ${JSON.stringify({ type: 'conversation_updated', conversation: { ...conversation, title: 'Renamed by SSE' } })}\n\n`
		});
	});
	await page.route('**/api/*', async (route) => {
		const name = new URL(route.request().url()).pathname.split('/').pop() ?? '';
		if (name === 'events') return route.fallback();
		authorizations.add(route.request().headers().authorization ?? '');
		if (name === 'get_conversation') {
			await route.fulfill({
				status: 404,
				json: {
					error: { code: 'not_found', message: 'No such conversation.', detail: null, fields: [] }
				}
			});
			return;
		}
		await route.fulfill({ json: { ok: true, result: results[name] ?? null } });
		if (name === 'list_conversations') setTimeout(listed, 200);
	});
	await page.goto('/?token=secret#/chat/missing');
	await expect(page.getByTestId('server-status')).toHaveAttribute('data-state', 'crashed');
	await expect(page.getByTestId('server-problem')).toContainText('Check the logs.');
	await expect(page.getByTestId('chat-error')).toContainText('No such conversation.');
	await expect(page.getByTestId('sidebar')).toContainText('Renamed by SSE');
	expect([...authorizations]).toEqual(['Bearer secret']);
});
