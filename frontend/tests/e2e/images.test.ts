import { expect, test, type Page } from '@playwright/test';
import { openMock, sendMessage, waitForAnswer, watchErrors } from './helpers';

/**
 * Images in messages on the mock bridge, which answers like the backend
 * (`services/mock/images.ts`: decoded and scaled by the browser instead of Pillow): a pasted
 * image becomes a thumbnail in the form, the sent message shows it and opens it larger, and the
 * image button is disabled with the reason while the selected model cannot see.
 */

const SHOTS = 'test-results/screenshots';

/** Paste a `width` × `height` PNG drawn in the page, as a screenshot tool puts it on the clipboard. */
async function pasteImage(page: Page, name: string, width: number, height: number): Promise<void> {
	await page.getByLabel('Message', { exact: true }).evaluate(
		async (element, [fileName, w, h]) => {
			const canvas = new OffscreenCanvas(Number(w), Number(h));
			const context = canvas.getContext('2d');
			if (context) {
				context.fillStyle = 'teal';
				context.fillRect(0, 0, Number(w), Number(h));
			}
			const blob = await canvas.convertToBlob({ type: 'image/png' });
			const data = new DataTransfer();
			data.items.add(new File([blob], String(fileName), { type: 'image/png' }));
			element.dispatchEvent(
				new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true })
			);
		},
		[name, width, height]
	);
}

async function selectVisionModel(page: Page): Promise<void> {
	await page.getByTestId('model-selector').click();
	await page.getByRole('option', { name: /gemma-3-4b-it/ }).click();
	await expect(page.getByTestId('model-selector').getByTestId('vision-badge')).toHaveAttribute(
		'data-vision',
		'yes'
	);
}

test('the image button is disabled with the reason while the selected model cannot see', async ({
	page
}) => {
	const errors = watchErrors(page);
	await openMock(page);
	const button = page.getByRole('button', { name: 'Attach images' });
	await expect(button).toBeDisabled();
	await expect(button).toHaveAccessibleDescription(
		/^The selected model cannot see images: it loads without a vision projector \(mmproj\)/
	);
	await expect(page.getByTitle(/^The selected model cannot see images/)).toBeVisible();

	// A pasted image is still attached, and says that only its name will be sent.
	await pasteImage(page, 'screenshot.png', 300, 200);
	const draft = page.getByTestId('draft-attachment');
	await expect(draft.getByTestId('image-thumbnail')).toHaveAttribute('data-loaded', 'true');
	await expect(draft.getByTestId('image-not-seen')).toContainText('Only its name is sent');

	await selectVisionModel(page);
	await expect(button).toBeEnabled();
	await expect(button).not.toHaveAttribute('aria-describedby');
	await expect(draft.getByTestId('image-not-seen')).toHaveCount(0);
	expect(errors).toEqual([]);
});

test('a pasted image is a thumbnail in the form and in the sent message, and opens larger', async ({
	page
}) => {
	const errors = watchErrors(page);
	await openMock(page);
	await selectVisionModel(page);
	await pasteImage(page, 'chart.png', 2400, 1200);
	const draft = page.getByTestId('draft-attachment');
	await expect(draft).toContainText('chart.png');
	const thumbnail = draft.getByTestId('image-thumbnail');
	await expect(thumbnail).toHaveAttribute('data-loaded', 'true');
	// The backend (here the mock) scales it down: the thumbnail is 160 px on its longest side.
	const natural = await thumbnail
		.getByRole('img')
		.evaluate((img) => [
			(img as HTMLImageElement).naturalWidth,
			(img as HTMLImageElement).naturalHeight
		]);
	expect(natural).toEqual([160, 80]);

	await sendMessage(page, 'What does the chart show?');
	const user = page.locator('[data-testid="message"][data-role="user"]');
	await expect(user).toContainText('What does the chart show?');
	await expect(page.getByTestId('draft-attachment')).toHaveCount(0);
	const sent = user.getByTestId('image-thumbnail');
	await expect(sent).toHaveAttribute('data-loaded', 'true');
	await waitForAnswer(page);
	await page.screenshot({ path: `${SHOTS}/image-in-message.png` });

	await sent.click();
	const viewer = page.getByTestId('image-viewer');
	await expect(viewer).toContainText('chart.png');
	await expect(viewer.getByTestId('image-size')).toHaveText(
		'2400 × 1200 px (shown at 2048 × 1024)'
	);
	await expect(viewer.getByRole('img', { name: 'chart.png' })).toBeVisible();
	await page.keyboard.press('Escape');
	await expect(viewer).toHaveCount(0);
	expect(errors).toEqual([]);
});

test('a damaged image is refused when it is attached, with the backend\u2019s sentence', async ({
	page
}) => {
	await openMock(page);
	await selectVisionModel(page);
	const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
	await page.getByTestId('image-input').setInputFiles({
		name: 'cut.png',
		mimeType: 'image/png',
		buffer: png
	});
	await expect(page.getByRole('alert')).toContainText('cut.png is a damaged or cut-off image');
	await expect(page.getByTestId('draft-attachment')).toHaveCount(0);
});
