import { expect, test } from '@playwright/test';
import { openMock, sendMessage, waitForAnswer, watchErrors } from './helpers';

/** The mock reads each prompt (36 tokens, 12 of them cached) in 4 batches before its answer. */
test('the prompt is read with a progress bar, tokens, time left and the cached part', async ({
	page
}) => {
	const errors = watchErrors(page);
	await openMock(page, '&mock_delay=4000');
	await sendMessage(page, 'Hello there');
	const progress = page.getByTestId('prompt-progress');
	const bar = progress.getByRole('progressbar', { name: 'Reading the prompt' });
	await expect(bar).toHaveAttribute('aria-valuemax', '24');
	await expect(page.getByTestId('prompt-progress-cache')).toHaveText('from cache: 12 tokens');
	await expect(page.getByTestId('prompt-progress-tokens')).toHaveText('6 / 24 tokens');
	await expect(page.getByTestId('prompt-progress-left')).toHaveText(/^about \d s left$/);
	await expect(page.getByTestId('prompt-progress-tokens')).toHaveText('12 / 24 tokens');
	await expect(bar).toHaveAttribute('aria-valuenow', '12');
	await page.screenshot({ path: 'test-results/prompt-progress.png' });
	await waitForAnswer(page);
	await expect(progress).toHaveCount(0);
	await expect(page.getByTestId('message').last()).toHaveAttribute('data-status', 'complete');
	expect(errors).toEqual([]);
});
