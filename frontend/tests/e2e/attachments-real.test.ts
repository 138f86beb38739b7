import { expect, test, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PYTHON, ROOT, startBackend, type Backend } from './backend';

/**
 * Attachments in the built SPA against the real backend in browser mode (real llama-server
 * with SmolLM2, pypdfium2 reading PDFs made by fpdf2): a document the model answers from, the
 * JSON export carrying the file and its import, a PDF too large for the context sent as a page
 * range, and PDFs the backend refuses. One backend for the file; answers are at most 32
 * tokens at temperature 0, and the page-range one is stopped after its first words.
 */
const FACT = 'The secret code word of the expedition is PINEAPPLE.';

let backend: Backend;

test.beforeAll(async () => {
	backend = await startBackend({
		prefix: 'attach',
		settings: ['generation.temperature=0', 'generation.max_tokens=32']
	});
});

test.afterAll(async () => {
	await backend.stop();
});

/** A PDF made by `tests/attachments/pdfs.py` (`maker` is a call of it), written to a file. */
function pdf(name: string, maker: string): string {
	const script = `import sys\nfrom tests.attachments.pdfs import *\nsys.stdout.buffer.write(${maker})`;
	const made = spawnSync(PYTHON, ['-c', script], { cwd: ROOT, maxBuffer: 1 << 24 });
	expect(made.status, made.stderr.toString()).toBe(0);
	const path = join(backend.home, name);
	writeFileSync(path, made.stdout);
	return path;
}

async function ready(page: Page): Promise<void> {
	await page.goto(backend.url.toString());
	await expect(page.getByTestId('server-status')).toContainText('Ready', { timeout: 90_000 });
}

const input = (page: Page) => page.locator('#chat-input');
const lastAnswer = (page: Page) =>
	page.locator('[data-testid="message"][data-role="assistant"]').last();

test('the model answers from an attached file, and JSON export and import carry it', async ({
	page
}) => {
	test.setTimeout(180_000);
	await ready(page);
	await page.getByTestId('file-input').setInputFiles({
		name: 'expedition.txt',
		mimeType: 'text/plain',
		buffer: Buffer.from(FACT)
	});
	const draft = page.getByTestId('draft-attachment');
	await expect(draft.getByTestId('attachment-tokens')).toHaveText(/^\d{2} tokens$/);
	await input(page).fill('What is the secret code word of the expedition?');
	await input(page).press('Enter');
	await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete', { timeout: 90_000 });
	await expect(lastAnswer(page)).toContainText(/pineapple/i);

	await page.getByRole('button', { name: 'Export conversations' }).click();
	const download = page.waitForEvent('download');
	await page.getByRole('menuitem', { name: 'Export all as JSON' }).click();
	const path = await (await download).path();
	const exported = JSON.parse(readFileSync(path, 'utf8')) as {
		attachments: { name: string; data: string; text: string }[];
	};
	expect(exported.attachments.map((file) => file.name)).toEqual(['expedition.txt']);
	expect(Buffer.from(exported.attachments[0]?.data ?? '', 'base64').toString()).toBe(FACT);

	await page.getByTestId('import-input').setInputFiles(path);
	const links = page.getByTestId('sidebar').getByTestId('conversation-item');
	await expect(links).toHaveCount(2);
	await links.first().click();
	const user = page.locator('[data-testid="message"][data-role="user"]');
	await expect(user).toContainText('What is the secret code word');
	await user.getByRole('list', { name: 'Attachments' }).getByRole('button').click();
	await expect(page.getByTestId('attachment-text')).toHaveText(FACT);
});

test('a PDF too large for the context is sent as the pages chosen; unreadable PDFs are refused', async ({
	page
}) => {
	test.setTimeout(180_000);
	const pages = `[f"Page {n}. " + "Glaciers carve valleys over many thousands of years. " * 12 for n in range(1, 21)]`;
	const glaciers = pdf('glaciers.pdf', `text_pdf(${pages})`);
	const locked = pdf('locked.pdf', 'encrypted_pdf()');
	const scanned = pdf('scanned.pdf', 'image_only_pdf()');
	await ready(page);
	await input(page).fill('Summarise the pages');

	const form = page.getByRole('form', { name: 'Send a message' });
	await page.getByTestId('file-input').setInputFiles(locked);
	await expect(form.getByRole('alert')).toHaveText(
		'locked.pdf is an encrypted PDF: it needs a password to open. Save a copy without the ' +
			'password and attach that.'
	);
	await page.getByTestId('file-input').setInputFiles(scanned);
	await expect(form.getByRole('alert')).toContainText(
		'scanned.pdf has no text to read: it is an image-only PDF'
	);
	await expect(input(page)).toHaveValue('Summarise the pages');

	await page.getByTestId('file-input').setInputFiles(glaciers);
	const draft = page.getByTestId('draft-attachment');
	await expect(draft).toContainText('20 pages');
	await expect(draft.getByRole('alert')).toContainText(
		'Does not fit: the message needs more than the'
	);
	await expect(draft.getByRole('alert')).toContainText('Choose fewer pages or remove it.');
	await expect(page.getByRole('button', { name: 'Send message' })).toBeDisabled();

	await draft.getByRole('button', { name: 'Choose pages' }).click();
	const range = draft.getByRole('group', { name: 'Pages of glaciers.pdf' });
	await range.getByLabel('From page').fill('2');
	await range.getByLabel('to', { exact: true }).fill('3');
	await range.getByRole('button', { name: 'Use these pages' }).click();
	await expect(draft).toContainText('pages 2–3 of 20');
	await expect(draft.getByRole('alert')).toHaveCount(0);
	await expect(page.getByRole('button', { name: 'Send message' })).toBeEnabled();

	await draft.getByRole('button', { name: 'glaciers.pdf', exact: true }).click();
	const text = page.getByTestId('attachment-text');
	await expect(text).toContainText('Page 2.');
	await expect(text).toContainText('Page 3.');
	await expect(text).not.toContainText('Page 4.');
	await page.keyboard.press('Escape');

	await input(page).press('Enter');
	const user = page.locator('[data-testid="message"][data-role="user"]');
	await expect(user.getByRole('list', { name: 'Attachments' })).toContainText('pages 2–3 of 20');
	// The server took the prompt: the first words are enough (a whole answer is slow under load).
	await expect(lastAnswer(page)).toHaveText(/\w/, { timeout: 90_000 });
	await page.getByRole('button', { name: 'Stop generating' }).click();
	await expect(lastAnswer(page)).not.toHaveAttribute('data-status', 'streaming', {
		timeout: 30_000
	});
});
