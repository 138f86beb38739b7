import { expect, test } from '@playwright/test';

/** A fake pywebview bridge: `api` is `{}` until `pywebviewready`, like the real one. */
function installFakePywebview(): void {
	const target = window as unknown as Record<string, unknown> & {
		llamadesk?: { emit: (event: unknown) => void };
	};
	const api: Record<string, (params: Record<string, string>) => Promise<unknown>> = {};
	target.pywebview = { api };
	const calls: string[] = [];
	target.__calls = calls;
	const ok = (result: unknown) => Promise.resolve({ ok: true, result });
	const at = '2026-01-01T00:00:00Z';
	const message = (id: string, role: string, content: string, status: string) => ({
		id,
		conversation_id: 'c1',
		parent_id: null,
		role,
		content,
		reasoning: '',
		created_at: at,
		status,
		error: null,
		model: null,
		timings: null,
		sibling_ids: [id]
	});
	const conversation = {
		id: 'c1',
		title: 'Desktop chat',
		created_at: at,
		updated_at: at,
		message_count: 0,
		model: null,
		pinned: false,
		messages: [],
		params: {},
		system_prompt: null
	};
	const handlers: Record<string, (params: Record<string, string>) => Promise<unknown>> = {
		get_server_status: () =>
			ok({
				state: 'ready',
				model: 'm',
				pid: 1,
				port: 2,
				uptime_s: 1,
				elapsed_s: 0,
				restarts: 0,
				last_error: null,
				hint: null
			}),
		list_models: () => ok([]),
		list_conversations: () => ok([]),
		get_config: () => Promise.reject(new Error('KeyError: boom')),
		create_conversation: () => ok(conversation),
		get_conversation: () => ok(conversation),
		send_chat_message_stream: (params) => {
			setTimeout(() => {
				const base = { stream_id: 's1', conversation_id: 'c1', message_id: 'a1', reasoning: '' };
				target.llamadesk?.emit({ type: 'stream_chunk', ...base, content: 'Hello from ' });
				target.llamadesk?.emit({ type: 'stream_chunk', ...base, content: 'Python' });
				target.llamadesk?.emit({
					type: 'stream_end',
					stream_id: 's1',
					conversation_id: 'c1',
					message: message('a1', 'assistant', 'Hello from Python', 'complete')
				});
			}, 100);
			return ok({
				stream_id: 's1',
				conversation_id: 'c1',
				user_message: message('u1', 'user', params.content ?? '', 'complete'),
				assistant_message: message('a1', 'assistant', '', 'streaming')
			});
		}
	};
	// pywebview injects its API once the page has loaded (Qt's loadFinished), so the fake is
	// ready 400 ms after `load`, not after a fixed time from the start, which a loaded machine
	// could reach before the page's own code has run.
	const ready = () => {
		target.__sinkBeforeReady = typeof target.llamadesk?.emit === 'function';
		for (const [name, handler] of Object.entries(handlers)) {
			api[name] = (params) => {
				calls.push(name);
				return handler(params);
			};
		}
		window.dispatchEvent(new Event('pywebviewready'));
	};
	window.addEventListener('load', () => setTimeout(ready, 400));
}

test('the pywebview transport waits for pywebviewready and streams through window.llamadesk', async ({
	page
}) => {
	await page.addInitScript(installFakePywebview);
	await page.goto('/');
	await expect(page.getByTestId('server-status')).toHaveAttribute('data-state', 'ready');
	expect(
		await page.evaluate(
			() => (window as unknown as { __sinkBeforeReady: boolean }).__sinkBeforeReady
		)
	).toBe(true);
	const input = page.getByLabel('Message', { exact: true });
	await input.fill('Hi desktop');
	await input.press('Enter');
	await expect(page.getByTestId('message').last()).toContainText('Hello from Python');
	await expect(page.getByTestId('message').last()).toHaveAttribute('data-status', 'complete');
	const calls = await page.evaluate(() => (window as unknown as { __calls: string[] }).__calls);
	expect(calls).toContain('send_chat_message_stream');
});

test('a Python exception in a command is shown as an error', async ({ page }) => {
	await page.addInitScript(installFakePywebview);
	await page.goto('/#/settings');
	// The fake bridge answers only some commands, so other sections may show their own alerts.
	await expect(page.getByRole('alert').filter({ hasText: 'KeyError: boom' })).toBeVisible();
});
