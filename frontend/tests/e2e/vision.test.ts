import { expect, test, type Locator, type Page } from '@playwright/test';
import { MOCK_URL, openMock, watchErrors } from './helpers';

const SHOTS = 'test-results/screenshots';
const MODELS_URL = `${MOCK_URL}#/settings?section=models`;
const GEMMA_DIR = '/home/user/.llamadesk/models/ggml-org/gemma-3-4b-it-GGUF';

function model(page: Page, name: string | RegExp): Locator {
	return page.getByRole('listitem').filter({ has: page.getByRole('heading', { name }) });
}

async function openModels(page: Page): Promise<void> {
	await page.goto(MODELS_URL);
	await expect(page.getByRole('heading', { name: 'Models', exact: true })).toBeVisible();
	await expect(page.getByTestId('model-item').first()).toBeVisible();
}

test('a model with a projector beside it shows Vision, confirmed by the server once loaded', async ({
	page
}) => {
	const errors = watchErrors(page);
	await openModels(page);
	const gemma = model(page, 'gemma-3-4b-it-Q4_K_M');
	const badge = gemma.getByTestId('vision-badge');
	await expect(badge).toHaveAttribute('data-vision', 'projector');
	await expect(badge).toHaveAttribute(
		'title',
		/mmproj-gemma-3-4b-it-f16\.gguf; the server confirms/
	);
	await expect(gemma.getByTestId('meta-vision-projector')).toHaveText(
		'mmproj-gemma-3-4b-it-f16.gguf'
	);
	await expect(model(page, /Qwen2\.5 7B/).getByTestId('vision-badge')).toHaveCount(0);
	await expect(model(page, /Qwen2\.5 7B/).getByTestId('meta-vision-projector')).toHaveCount(0);

	await openMock(page);
	const selector = page.getByTestId('model-selector');
	await expect(selector.getByTestId('vision-badge')).toHaveCount(0);
	await selector.click();
	const option = page.getByRole('option', { name: /gemma-3-4b-it/ });
	await expect(option.getByTestId('vision-badge')).toHaveAttribute('data-vision', 'projector');
	await expect(page.getByRole('option').getByTestId('vision-badge')).toHaveCount(1);
	await option.click();

	await expect(selector.getByTestId('vision-badge')).toHaveAttribute('data-vision', 'yes');
	await expect(selector.getByTestId('vision-badge')).toHaveAttribute(
		'title',
		'The server reports that this model can see images.'
	);
	await page.screenshot({ path: `${SHOTS}/vision-badge-selector.png` });
	expect(errors).toEqual([]);
});

test('the projector is chosen in the load settings, and a file that is a model is refused', async ({
	page
}) => {
	await openModels(page);
	const llama = model(page, /Llama 3\.2 3B/);
	await llama.getByRole('button', { name: 'Load settings for Llama 3.2 3B Instruct Q8_0' }).click();
	const dialog = page.getByRole('dialog', { name: 'Load settings' });
	const field = dialog.getByLabel('Vision projector');
	await expect(field).toHaveAttribute('placeholder', 'None');
	await field.fill(`${GEMMA_DIR}/gemma-3-4b-it-Q4_K_M.gguf`);
	await dialog.getByRole('button', { name: 'Save settings' }).click();
	await expect(dialog.locator('[data-field="mmproj_file"]').getByRole('alert')).toContainText(
		'is a model, not a vision projector'
	);
	await expect(field).toHaveAttribute('aria-invalid', 'true');

	await field.fill('/opt/projectors/mmproj-llama-3.2-vision-f16.gguf');
	await dialog.getByRole('button', { name: 'Save settings' }).click();
	await expect(dialog).toHaveCount(0);
	await expect(llama.getByTestId('meta-vision-projector')).toHaveText(
		'mmproj-llama-3.2-vision-f16.gguf'
	);
	await expect(llama.getByTestId('vision-badge')).toHaveAttribute('data-vision', 'projector');

	await model(page, 'gemma-3-4b-it-Q4_K_M')
		.getByRole('button', { name: /^Load settings for/ })
		.click();
	await expect(dialog.getByLabel('Vision projector')).toHaveAttribute(
		'placeholder',
		'mmproj-gemma-3-4b-it-f16.gguf (found)'
	);
});
