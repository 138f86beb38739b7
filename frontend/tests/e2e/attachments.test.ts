import { expect, test, type Page } from '@playwright/test';
import { openMock, sendMessage, waitForAnswer, watchErrors } from './helpers';

/**
 * Attaching documents in the form, on the mock bridge (which answers the attachment commands
 * like the backend, PDFs aside: `services/mock/attachments.ts`): the chips in the form and
 * under the sent message, their text in the viewer, long pastes as files and back, a message
 * too large for the context, and refused files. Page ranges of a real PDF are in
 * `attachments-real.test.ts`.
 */

function input(page: Page) {
	return page.getByLabel('Message', { exact: true });
}

async function attach(page: Page, name: string, content: string | Buffer): Promise<void> {
	await page.getByTestId('file-input').setInputFiles({
		name,
		mimeType: 'application/octet-stream',
		buffer: typeof content === 'string' ? Buffer.from(content) : content
	});
}

async function paste(page: Page, text: string): Promise<void> {
	await input(page).evaluate((element, pasted) => {
		const data = new DataTransfer();
		data.setData('text/plain', pasted);
		element.dispatchEvent(
			new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true })
		);
	}, text);
}

test('an attached file goes as a part of the message: chips, token counts and its text', async ({
	page
}) => {
	const errors = watchErrors(page);
	await openMock(page);
	await attach(page, 'notes.txt', 'remember the milk and the eggs');
	const draft = page.getByTestId('draft-attachment');
	await expect(draft).toContainText('notes.txt');
	await expect(draft).toContainText('30 B');
	// The document's tokens (the mock counts words, its label included) against the context left.
	await expect(draft.getByTestId('attachment-tokens')).toHaveText('9 tokens');
	await expect(page.getByTestId('token-meter')).toHaveText(/^9 of 2,043 tokens left/);

	await draft.getByRole('button', { name: 'notes.txt', exact: true }).click();
	const viewer = page.getByTestId('attachment-viewer');
	await expect(viewer.getByTestId('attachment-text')).toHaveText('remember the milk and the eggs');
	await viewer.getByRole('button', { name: 'Close' }).click();
	await expect(viewer).toHaveCount(0);

	await sendMessage(page, 'Summarise the file');
	const user = page.locator('[data-testid="message"][data-role="user"]');
	// The file is a part of its own, not pasted into the text as a fenced block.
	await expect(user).toContainText('Summarise the file');
	await expect(user).not.toContainText('remember the milk');
	await expect(user).not.toContainText('File: notes.txt');
	await expect(page.getByTestId('draft-attachment')).toHaveCount(0);
	await waitForAnswer(page);

	await user.getByRole('list', { name: 'Attachments' }).getByRole('button').click();
	await expect(viewer).toContainText('notes.txt');
	await expect(viewer.getByTestId('attachment-text')).toHaveText('remember the milk and the eggs');
	await page.keyboard.press('Escape');
	await expect(viewer).toHaveCount(0);
	expect(errors).toEqual([]);
});

test('a paste over 2,500 characters becomes a text file, and turns back into text', async ({
	page
}) => {
	await openMock(page);
	await paste(page, 'short paste');
	await expect(page.getByTestId('draft-attachment')).toHaveCount(0);

	const long = Array.from({ length: 500 }, (_, n) => `word${n}`).join(' ');
	expect(long.length).toBeGreaterThan(2500);
	await input(page).fill('');
	await paste(page, long);
	const draft = page.getByTestId('draft-attachment');
	await expect(draft).toContainText('pasted-text.txt');
	await expect(input(page)).toHaveValue('');
	await draft.getByRole('button', { name: 'Turn pasted-text.txt back into text' }).click();
	await expect(draft).toHaveCount(0);
	await expect(input(page)).toHaveValue(long);
});

test('a message larger than the context left is not sent: it offers to drop the file', async ({
	page
}) => {
	await openMock(page);
	await attach(page, 'big.md', Array.from({ length: 2100 }, (_, n) => `w${n}`).join(' '));
	await input(page).fill('Summarise it');
	const draft = page.getByTestId('draft-attachment');
	await expect(draft.getByRole('alert')).toHaveText(
		'Does not fit: the message needs more than the 2,043 tokens left. Remove it.'
	);
	await expect(page.getByTestId('token-meter')).toHaveAttribute('data-overflows', 'true');
	await expect(page.getByRole('button', { name: 'Send message' })).toBeDisabled();
	await draft.getByRole('button', { name: 'Remove big.md' }).click();
	await expect(draft).toHaveCount(0);
	await expect(page.getByRole('button', { name: 'Send message' })).toBeEnabled();
	await expect(input(page)).toHaveValue('Summarise it');
});

test('a refused file shows the reason and loses nothing typed', async ({ page }) => {
	await openMock(page);
	await input(page).fill('My question, typed first');
	await attach(page, 'scan.pdf', '%PDF-1.7 not really a pdf');
	const form = page.getByRole('form', { name: 'Send a message' });
	await expect(form.getByRole('alert')).toHaveText(
		'scan.pdf is a damaged PDF: it cannot be read (it may be cut short or not a PDF).'
	);
	await attach(page, 'blob.bin', Buffer.from([0, 1, 2, 0, 255]));
	await expect(form.getByRole('alert')).toHaveText(
		'blob.bin cannot be attached: only text and code files, Markdown, HTML, CSV, PDF and ' +
			'images (PNG, JPEG, WebP, GIF) can.'
	);
	await expect(page.getByTestId('draft-attachment')).toHaveCount(0);
	await expect(input(page)).toHaveValue('My question, typed first');

	await page.getByRole('link', { name: 'Settings' }).click();
	const limit = page.getByLabel('Largest attachment (MB)');
	await limit.fill('0.1');
	await limit.blur();
	await page.getByRole('button', { name: 'Save' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Saved 1 setting' })).toBeVisible();
	await page.getByRole('link', { name: 'Back to chat' }).click();
	await attach(page, 'large.txt', 'x'.repeat(200 * 1024));
	await expect(form.getByRole('alert')).toHaveText(
		'large.txt is 0.2 MB, larger than the 0.1 MB limit (Settings → Attachments).'
	);
	await attach(page, 'small.txt', 'fits');
	await expect(page.getByTestId('draft-attachment')).toContainText('small.txt');
	await expect(form.getByRole('alert')).toHaveCount(0);
});
