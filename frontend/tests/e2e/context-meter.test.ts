import { expect, test } from '@playwright/test';
import { openMock, sendMessage, waitForAnswer, watchErrors } from './helpers';

/**
 * The mock counts a word as a token, 4 more per message, against slots of 2,048 tokens; its
 * system prompt ("You are a helpful assistant.") is 9.
 */
test('the meter counts the draft before sending, warns near the end, and offers the ways out', async ({
	page
}) => {
	const errors = watchErrors(page);
	await openMock(page);
	const meter = page.getByTestId('context-meter-tokens');
	const input = page.getByLabel('Message', { exact: true });
	await input.fill('one two three');
	await expect(meter).toHaveText('16 / 2,048 tokens');
	await sendMessage(page, 'Hello there');
	await waitForAnswer(page);
	await input.fill('a b');
	// The conversation counts now: its question (2 + 4) and the answer beside the draft.
	await expect
		.poll(async () => Number((await meter.innerText()).split(' ')[0]?.replace(',', '')))
		.toBeGreaterThan(15 + 6 + 4);

	const warning = page.getByTestId('context-warning');
	await input.fill(Array.from({ length: 1700 }, () => 'word').join(' '));
	await expect(warning).toHaveAttribute('data-level', 'near');
	await expect(warning).toContainText('The context is nearly full.');
	await input.fill(Array.from({ length: 2100 }, () => 'word').join(' '));
	await expect(warning).toHaveAttribute('data-level', 'over');
	await expect(warning).toContainText('This message does not fit in the context');
	await page.screenshot({ path: 'test-results/context-meter.png' });
	await warning.getByRole('button', { name: 'Drop oldest turns' }).click();
	await expect(warning).toContainText('the oldest turns will be dropped to make room');
	await warning.getByRole('button', { name: 'New chat' }).click();
	await expect(page).toHaveURL(/#\/$/);
	await expect(page.getByTestId('message')).toHaveCount(0);
	expect(errors).toEqual([]);
});
