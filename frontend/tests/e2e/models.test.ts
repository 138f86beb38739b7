import { expect, test, type Locator, type Page } from '@playwright/test';
import {
	emptyBackend,
	MOCK_URL,
	openMock,
	sendMessage,
	waitForAnswer,
	watchErrors
} from './helpers';

const SHOTS = 'test-results/screenshots';
const MODELS_URL = `${MOCK_URL}#/settings?section=models`;
const PICKED = '/home/user/Downloads/Phi-3.5-mini-instruct-Q4_K_M.gguf';

/** Open the models page; `query` adds mock options (e.g. a slower load to watch it happen). */
async function openModels(page: Page, query = ''): Promise<void> {
	await page.goto(query ? MODELS_URL.replace('#', `${query}#`) : MODELS_URL);
	await expect(page.getByRole('heading', { name: 'Models', exact: true })).toBeVisible();
	await expect(page.getByTestId('model-item').first()).toBeVisible();
}

function model(page: Page, name: string | RegExp): Locator {
	return page.getByRole('listitem').filter({ has: page.getByRole('heading', { name }) });
}

function download(page: Page, id: string): Locator {
	return page.getByRole('listitem', { name: id });
}

async function startDownload(page: Page, url: string, fields: { sha256?: string } = {}) {
	await page.getByLabel('Link to a .gguf file').fill(url);
	if (fields.sha256 !== undefined) await page.getByLabel('SHA-256 (optional)').fill(fields.sha256);
	await page.getByRole('button', { name: 'Download', exact: true }).click();
}

test('"Manage models…" in the header selector opens the Models tab; dots show load states', async ({
	page
}) => {
	const errors = watchErrors(page);
	await openMock(page);
	const selector = page.getByTestId('model-selector');
	await expect(selector.getByTestId('load-state')).toHaveAttribute('data-state', 'loaded');
	await selector.focus();
	await page.keyboard.press('Enter');
	const manage = page.getByRole('option', { name: 'Manage models…' });
	await expect(manage).toBeVisible();
	await expect(
		page.getByRole('option', { name: /Llama 3\.2 3B/ }).getByTestId('load-state')
	).toHaveAttribute('data-state', 'unloaded');
	// The last item is "Manage providers…"; the one above it "Manage models…".
	await page.keyboard.press('End');
	await page.keyboard.press('ArrowUp');
	await page.keyboard.press('Enter');
	await expect(page).toHaveURL(/#\/settings\?section=models$/);
	await expect(page.getByRole('tab', { name: 'Models' })).toHaveAttribute('aria-selected', 'true');
	await expect(page.getByRole('heading', { name: 'Models', exact: true })).toBeVisible();
	expect(errors).toEqual([]);
});

test('each model shows its metadata, fit estimate, load state and why a file is invalid', async ({
	page
}) => {
	await openModels(page);
	await expect(page.getByTestId('models-summary')).toHaveText('6 models · 1 loaded');
	const qwen = model(page, /Qwen2\.5 7B/);
	await expect(qwen.getByTestId('load-state')).toHaveText('Loaded');
	await expect(qwen).toContainText('Selected');
	for (const [key, value] of [
		['architecture', 'qwen2'],
		['parameters', '7.6B'],
		['quantisation', 'Q4_K_M'],
		['trained-context', '32,768 tokens'],
		['file-size', '4.7 GB'],
		['source', 'Models folder'],
		['chat-template', 'Included']
	] as const) {
		await expect(qwen.getByTestId(`meta-${key}`)).toHaveText(value);
	}
	await expect(qwen.getByTestId('fit')).toContainText(
		'Fits in memory: needs about 5.5 GB of 16.0 GB free at 4,096 tokens'
	);
	const big = model(page, /Llama 3\.1 70B/);
	await expect(big.getByTestId('fit-warning')).toContainText('more memory than the');
	const invalid = model(page, 'notes-backup');
	await expect(invalid.getByTestId('model-invalid')).toContainText('Not a GGUF file');
	await expect(invalid.getByRole('button', { name: /^Load/ })).toHaveCount(0);
	await expect(model(page, /SmolLM2/).getByTestId('meta-source')).toHaveText('Built in');
});

test('loading a model shows progress, then it is loaded and selected everywhere', async ({
	page
}) => {
	// Slow enough that the progress is still there when looked at on a loaded machine.
	await openModels(page, '&mock_load=3000');
	const llama = model(page, /Llama 3\.2 3B/);
	await llama.getByRole('button', { name: 'Load Llama 3.2 3B Instruct Q8_0' }).click();
	await expect(llama.getByRole('progressbar', { name: /Loading Llama 3\.2 3B/ })).toBeVisible();
	await expect(llama.getByRole('button', { name: /^Load Llama/ })).toContainText('Loading…');
	await expect(llama.getByTestId('load-state')).toHaveText('Loaded');
	await expect(llama).toContainText('Selected');
	await expect(llama.getByRole('progressbar')).toHaveCount(0);
	await expect(model(page, /Qwen2\.5 7B/).getByTestId('load-state')).toHaveText('Not loaded');
	await page.getByRole('link', { name: 'Back to chat' }).click();
	await expect(page.getByTestId('model-selector')).toContainText('Llama 3.2 3B');
});

test('a model that fails to load says why and the previous one stays loaded', async ({ page }) => {
	await openModels(page);
	const big = model(page, /Llama 3\.1 70B/);
	await big.getByRole('button', { name: /^Load Llama 3\.1 70B/ }).click();
	await expect(big.getByTestId('load-state')).toHaveText('Loading');
	await expect(big.getByTestId('model-error')).toContainText('failed to load');
	await expect(big.getByTestId('model-error')).toContainText(
		'Qwen2.5 7B Instruct Q4_K_M is loaded again.'
	);
	await expect(big.getByTestId('load-state')).toHaveText('Failed to load');
	const qwen = model(page, /Qwen2\.5 7B/);
	await expect(qwen.getByTestId('load-state')).toHaveText('Loaded');
	await expect(qwen).toContainText('Selected');
});

test('unloading frees a loaded model and offers to load it again', async ({ page }) => {
	await openModels(page);
	const qwen = model(page, /Qwen2\.5 7B/);
	await qwen.getByRole('button', { name: /^Unload/ }).click();
	await expect(qwen.getByTestId('load-state')).toHaveText('Not loaded');
	await expect(qwen.getByRole('button', { name: /^Unload/ })).toHaveCount(0);
	await expect(page.getByTestId('models-summary')).toHaveText('6 models · 0 loaded');
	await qwen.getByRole('button', { name: /^Load Qwen/ }).click();
	await expect(qwen.getByTestId('load-state')).toHaveText('Loaded');
});

test('per-model settings inherit the engine, show field errors and apply at next load', async ({
	page
}) => {
	await openModels(page);
	const llama = model(page, /Llama 3\.2 3B/);
	await llama.getByRole('button', { name: 'Load settings for Llama 3.2 3B Instruct Q8_0' }).click();
	const dialog = page.getByRole('dialog', { name: 'Load settings' });
	await expect(dialog).toContainText('apply the next time the model loads');
	const context = dialog.getByLabel('Context size');
	await expect(context).toHaveAttribute('placeholder', '4096 (engine)');
	await expect(context).toHaveValue('');
	await expect(dialog.getByLabel('CPU threads')).toHaveAttribute('placeholder', '0 (engine)');
	await context.fill('100');
	await dialog.getByRole('button', { name: 'Save settings' }).click();
	await expect(dialog.locator('[data-field="context_size"]').getByRole('alert')).toContainText(
		'greater than or equal to 256'
	);
	await expect(dialog.getByRole('alert')).toHaveCount(1);
	await expect(context).toHaveAttribute('aria-invalid', 'true');
	await context.fill('131072');
	await dialog.getByLabel('Extra arguments').fill('--mlock\n-fa');
	await dialog.getByRole('button', { name: 'Save settings' }).click();
	await expect(dialog).toHaveCount(0);
	await expect(page.getByTestId('models-message')).toContainText(
		'Saved the load settings of Llama 3.2 3B Instruct Q8_0; they apply the next time it loads.'
	);
	await expect(llama.getByTestId('fit-warning')).toContainText('131072 tokens of context');
	await llama.getByRole('button', { name: /^Load settings for/ }).click();
	await expect(dialog.getByLabel('Context size')).toHaveValue('131072');
	await expect(dialog.getByLabel('Extra arguments')).toHaveValue('--mlock\n-fa');
	await page.keyboard.press('Escape');
	await expect(dialog).toHaveCount(0);
	await expect(llama.getByRole('button', { name: /^Load settings for/ })).toBeFocused();
});

test('speculative decoding: n-gram method, draft model and sizes are checked, saved, and each answer shows its drafts', async ({
	page
}) => {
	const errors = watchErrors(page);
	await openModels(page);
	const big = model(page, /Llama 3\.1 70B/);
	await big.getByRole('button', { name: /^Load settings for Llama 3\.1 70B/ }).click();
	const dialog = page.getByRole('dialog', { name: 'Load settings' });
	const method = dialog.getByLabel('N-gram speculation');
	const draft = dialog.getByLabel('Draft model');
	const most = dialog.getByLabel('Most drafted tokens');
	const fewest = dialog.getByLabel('Fewest drafted tokens');
	const lookup = dialog.getByLabel('N-gram lookup');
	await expect(method).toHaveValue('');
	await expect(method.locator('option').nth(1)).toHaveText(/^ngram-mod: .*\(recommended\)$/);
	await expect(most).toHaveAttribute('placeholder', 'needs speculation on');
	await most.fill('8');
	await dialog.getByRole('button', { name: 'Save settings' }).click();
	await expect(dialog.locator('[data-field="draft_max"]').getByRole('alert')).toContainText(
		'a draft size needs n-gram speculation or a draft model'
	);

	await method.selectOption('ngram-mod');
	await expect(fewest).toHaveAttribute('placeholder', '2 (LlamaDesk default)');
	await expect(lookup).toHaveAttribute('placeholder', '8 (LlamaDesk default)');
	await most.fill('');
	await draft.selectOption({ label: 'Qwen2.5 7B Instruct Q4_K_M' });
	await expect(most).toHaveAttribute('placeholder', '3 (llama-server default)');
	await dialog.getByRole('button', { name: 'Save settings' }).click();
	await expect(dialog.locator('[data-field="draft_model_id"]').getByRole('alert')).toContainText(
		'its tokenizer is qwen2, not llama3'
	);
	await expect(draft).toHaveAttribute('aria-invalid', 'true');
	await draft.selectOption({ label: 'Llama 3.2 3B Instruct Q8_0' });
	await most.fill('6');
	await fewest.fill('2');
	await dialog.getByRole('button', { name: 'Save settings' }).click();
	await expect(dialog).toHaveCount(0);
	await big.getByRole('button', { name: /^Load settings for/ }).click();
	await expect(method).toHaveValue('ngram-mod');
	await expect(draft).toHaveValue('llama32-3b-instruct-q8');
	await expect(most).toHaveValue('6');
	await expect(fewest).toHaveValue('2');
	await dialog.getByRole('button', { name: 'Cancel' }).click();

	// The selected model (Qwen) with n-gram speculation alone: its answers count the drafts.
	const qwen = model(page, /Qwen2\.5 7B/);
	await qwen.getByRole('button', { name: /^Load settings for Qwen/ }).click();
	await method.selectOption('ngram-simple');
	await expect(most).toHaveAttribute('placeholder', '8 (LlamaDesk default)');
	await lookup.fill('12');
	await dialog.getByRole('button', { name: 'Save settings' }).click();
	await expect(dialog.locator('[data-field="draft_max"]').getByRole('alert')).toContainText(
		'ngram-simple drafts nothing when its draft (8) is shorter than its 12-token lookup'
	);
	await lookup.fill('');
	await expect(draft.getByRole('option', { name: /this model/ })).toHaveText(
		'Qwen2.5 7B Instruct Q4_K_M (this model)'
	);
	await dialog.getByRole('button', { name: 'Save settings' }).click();
	await expect(dialog).toHaveCount(0);
	await page.getByRole('link', { name: 'Back to chat' }).click();
	await sendMessage(page, 'Hello');
	await waitForAnswer(page);
	const drafts = page.getByTestId('message').last().getByTestId('draft-accepted');
	await expect(drafts).toContainText(/Draft accepted\s*\d+ of \d+\s+\(\d+%\)/);
	expect(errors).toEqual([]);
});

test('remove asks whether to delete the file, and says why in-use models cannot go', async ({
	page
}) => {
	await openModels(page);
	const qwen = model(page, /Qwen2\.5 7B/);
	// aria-disabled keeps the button focusable, so the reason is reachable by keyboard.
	await qwen.getByRole('button', { name: /^Remove/ }).press('Enter');
	await expect(page.getByRole('alertdialog')).toHaveCount(0);
	await expect(qwen.getByTestId('remove-blocked')).toHaveText(
		'This model is in use: select another model before removing it.'
	);
	await expect(qwen.getByRole('button', { name: /^Remove/ })).toHaveAttribute(
		'aria-describedby',
		/remove-blocked/
	);
	const smol = model(page, /SmolLM2/);
	await smol.getByRole('button', { name: /^Remove/ }).click({ force: true });
	await expect(smol.getByTestId('remove-blocked')).toHaveText(
		'The built-in model cannot be removed.'
	);

	const llama = model(page, /Llama 3\.2 3B/);
	await llama.getByRole('button', { name: /^Remove/ }).click();
	const dialog = page.getByRole('alertdialog');
	await expect(dialog).toContainText('Remove Llama 3.2 3B Instruct Q8_0?');
	await dialog.getByRole('button', { name: 'Cancel' }).click();
	await expect(dialog).toHaveCount(0);
	await expect(llama).toHaveCount(1);
	await llama.getByRole('button', { name: /^Remove/ }).click();
	await dialog.getByLabel('Also delete the file from disk').check();
	await dialog.getByRole('button', { name: 'Remove and delete' }).click();
	await expect(llama).toHaveCount(0);
	await expect(page.getByTestId('models-message')).toHaveText(
		'Removed Llama 3.2 3B Instruct Q8_0 and deleted its file.'
	);
	await expect(page.getByTestId('models-summary')).toHaveText('5 models · 1 loaded');
	await expect(page.getByRole('heading', { name: 'Models', exact: true })).toBeFocused();
});

test('a GGUF file is added by Browse… or by its typed path; a bad path says why', async ({
	page
}) => {
	await openModels(page);
	const path = page.getByLabel('Add a GGUF file from disk');
	await page.getByLabel('Add a GGUF file from disk').fill('model.gguf');
	await page.getByRole('button', { name: 'Add file' }).click();
	await expect(
		page.getByRole('form', { name: 'Add a model file' }).getByRole('alert')
	).toContainText('Give the full path');
	await page.getByRole('button', { name: 'Browse…' }).click();
	await expect(path).toHaveValue(PICKED);
	await page.getByRole('button', { name: 'Add file' }).click();
	const added = model(page, 'Phi-3.5-mini-instruct-Q4_K_M');
	await expect(added.getByTestId('meta-source')).toHaveText('Linked file');
	await expect(path).toHaveValue('');
	await expect(page.getByTestId('models-message')).toHaveText(
		'Added Phi-3.5-mini-instruct-Q4_K_M.'
	);
});

test('downloads show progress with rate and time left, then the model is listed', async ({
	page
}) => {
	await openModels(page);
	await startDownload(page, 'https://example.com/models/tinyllama-q4.gguf');
	const item = download(page, 'tinyllama-q4.gguf');
	const bar = item.getByRole('progressbar', { name: 'tinyllama-q4.gguf progress' });
	await expect(item).toHaveAttribute('data-status', 'running');
	await expect(item.getByTestId('download-summary')).toContainText(/MB\/s · \d+ s left/);
	await expect(bar).toHaveAttribute('aria-valuetext', /%: .* of /);
	const first = Number(await bar.getAttribute('aria-valuenow'));
	await expect
		.poll(async () => Number(await bar.getAttribute('aria-valuenow')))
		.toBeGreaterThan(first);
	await expect(item).toHaveAttribute('data-status', 'done', { timeout: 10_000 });
	await expect(item.getByTestId('download-status')).toHaveText('Done');
	await expect(item.getByRole('button', { name: /^Cancel/ })).toHaveCount(0);
	await expect(model(page, 'tinyllama-q4')).toBeVisible();
	await page.getByRole('button', { name: 'Clear finished' }).click();
	await expect(item).toHaveCount(0);
	await expect(page.getByRole('button', { name: 'Clear finished' })).toHaveCount(0);
	await expect(model(page, 'tinyllama-q4')).toBeVisible();
});

test('a failed download shows the error and resumes from where it stopped', async ({ page }) => {
	await openModels(page);
	await startDownload(page, 'https://example.com/models/will-fail.gguf');
	const item = download(page, 'will-fail.gguf');
	await expect(item).toHaveAttribute('data-status', 'failed', { timeout: 10_000 });
	await expect(item.getByTestId('download-failure')).toContainText('The connection was lost at');
	const stoppedAt = Number(await item.getByRole('progressbar').getAttribute('aria-valuenow'));
	expect(stoppedAt).toBeGreaterThan(30);
	await item.getByRole('button', { name: 'Retry will-fail.gguf' }).click();
	await expect(item).toHaveAttribute('data-status', /queued|running/);
	expect(
		Number(await item.getByRole('progressbar').getAttribute('aria-valuenow'))
	).toBeGreaterThanOrEqual(stoppedAt);
	await expect(item).toHaveAttribute('data-status', 'done', { timeout: 10_000 });
});

test('a running download can be cancelled; a bad checksum is refused next to its field', async ({
	page
}) => {
	await openModels(page);
	await startDownload(page, 'https://example.com/models/slow.gguf', { sha256: 'abc' });
	await expect(page.locator('#download-sha256-error')).toContainText('should match pattern');
	await expect(page.getByLabel('SHA-256 (optional)')).toHaveAttribute('aria-invalid', 'true');
	await expect(page.getByRole('form', { name: 'Download a model' }).getByRole('alert')).toHaveCount(
		1
	);
	await page.getByLabel('SHA-256 (optional)').fill('');
	await page.getByRole('button', { name: 'Download', exact: true }).click();
	const item = download(page, 'slow.gguf');
	await expect(item).toHaveAttribute('data-status', 'running');
	await item.getByRole('button', { name: 'Cancel slow.gguf' }).click();
	await expect(item).toHaveCount(0);
	await page.waitForTimeout(400);
	await expect(item).toHaveCount(0);
});

test('router mode keeps several models loaded and switches to a loaded one at once', async ({
	page
}) => {
	await page.goto(`${MOCK_URL}#/settings`);
	await page.getByLabel('Router mode').check();
	await page.getByRole('button', { name: 'Save' }).click();
	await page.getByRole('alertdialog').getByRole('button', { name: 'Later' }).click();
	await page.getByRole('tab', { name: 'Models' }).click();
	await expect(page.getByTestId('models-summary')).toContainText('router mode');
	const llama = model(page, /Llama 3\.2 3B/);
	await llama.getByRole('button', { name: /^Load Llama 3\.2 3B/ }).click();
	await expect(llama.getByTestId('load-state')).toHaveText('Loaded');
	const qwen = model(page, /Qwen2\.5 7B/);
	await expect(qwen.getByTestId('load-state')).toHaveText('Loaded');
	await expect(page.getByTestId('models-summary')).toContainText('2 loaded');
	await qwen.getByRole('button', { name: /^Use Qwen2\.5 7B/ }).click();
	await expect(qwen).toContainText('Selected');
	await page.getByRole('link', { name: 'Back to chat' }).click();
	await page.getByTestId('model-selector').click();
	await expect(
		page.getByRole('option').getByTestId('load-state').and(page.locator('[data-state="loaded"]'))
	).toHaveCount(2);
});

test('the manager is keyboard reachable with a visible focus ring', async ({ page }) => {
	await page.goto(`${MOCK_URL}#/settings`);
	await page.getByRole('tab', { name: 'General' }).focus();
	await page.keyboard.press('ArrowRight');
	await expect(page.getByRole('tab', { name: 'Models' })).toBeFocused();
	await expect(page.getByRole('tab', { name: 'Models' })).toHaveAttribute('aria-selected', 'true');
	await expect(page).toHaveURL(/section=models/);
	await page.keyboard.press('Tab');
	await page.keyboard.press('Tab');
	const rescan = page.getByRole('button', { name: 'Rescan folders' });
	await expect(rescan).toBeFocused();
	const outline = await rescan.evaluate((element) => getComputedStyle(element).outlineStyle);
	expect(outline).toBe('solid');
	await page.keyboard.press('Enter');
	await expect(page.getByTestId('models-summary')).toHaveText('6 models · 1 loaded');
});

test('the model manager is captured in light and dark', async ({ page }) => {
	await page.setViewportSize({ width: 1280, height: 2400 });
	for (const scheme of ['light', 'dark'] as const) {
		await page.emulateMedia({ colorScheme: scheme });
		await openModels(page);
		await startDownload(page, 'https://example.com/models/Mistral-7B-Instruct-v0.3-Q4_K_M.gguf');
		await startDownload(page, 'https://example.com/models/fail-demo.gguf');
		await expect(download(page, 'fail-demo.gguf')).toHaveAttribute('data-status', 'failed', {
			timeout: 10_000
		});
		await expect(page.locator('html')).toHaveClass(scheme === 'dark' ? /dark/ : /^(?!.*dark)/);
		await page.screenshot({ path: `${SHOTS}/models-${scheme}.png`, fullPage: true });
		await model(page, /Llama 3\.2 3B/)
			.getByRole('button', { name: /^Load settings for/ })
			.click();
		await expect(page.getByRole('dialog')).toBeVisible();
		await page.screenshot({ path: `${SHOTS}/model-settings-${scheme}.png` });
	}
});

test('browser mode: without a file dialog the path is typed, and rescan asks the backend', async ({
	page
}) => {
	const linked = {
		id: 'abc123',
		name: 'typed',
		path: '/data/typed.gguf',
		size_bytes: 1024 ** 3,
		is_default: false,
		selected: false,
		error: null,
		architecture: 'llama',
		parameters: null,
		quantization: null,
		context_length: null,
		has_chat_template: true,
		source: 'linked',
		fit: null,
		load_state: 'unloaded'
	};
	let models: unknown[] = [];
	const calls: string[] = [];
	await page.route('**/api/events?token=t', (route) =>
		route.fulfill({
			status: 200,
			headers: { 'Content-Type': 'text/event-stream' },
			body: 'retry: 600000\n\n'
		})
	);
	await page.route('**/api/*', async (route) => {
		const name = new URL(route.request().url()).pathname.split('/').pop() ?? '';
		if (name === 'events') return route.fallback();
		calls.push(name);
		if (name === 'pick_model_file') {
			return route.fulfill({
				json: {
					ok: false,
					error: {
						code: 'invalid_argument',
						message: 'There is no file dialog in browser mode.',
						detail: null,
						fields: []
					}
				}
			});
		}
		if (name === 'add_model_file') models = [linked];
		const results: Record<string, unknown> = {
			...emptyBackend(),
			list_models: models,
			refresh_models: models,
			add_model_file: linked,
			list_downloads: []
		};
		await route.fulfill({ json: { ok: true, result: results[name] ?? null } });
	});
	await page.goto('/?token=t#/settings?section=models');
	await page.getByRole('button', { name: 'Browse…' }).click();
	await expect(page.getByRole('form', { name: 'Add a model file' }).getByRole('status')).toHaveText(
		"There is no file dialog in browser mode. Type or paste the file's full path instead."
	);
	const path = page.getByLabel('Add a GGUF file from disk');
	await expect(path).toBeFocused();
	await path.fill('/data/typed.gguf');
	await page.keyboard.press('Enter');
	await expect(model(page, 'typed')).toBeVisible();
	await page.getByRole('button', { name: 'Rescan folders' }).click();
	await expect.poll(() => calls.includes('refresh_models')).toBe(true);
});
