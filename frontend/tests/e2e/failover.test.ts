import { expect, test, type Page } from '@playwright/test';
import { openMock, sendMessage, waitForAnswer, watchErrors } from './helpers';

/** The mock's `/failover` answers: the local model stops, an `ask` rule puts the question. */
const QUESTION =
	'The local model is not answering (Lost the connection to llama-server (POST /v1/chat/completions)). ' +
	'Continue with Desktop/Qwen2.5-7B-Instruct?';

function question(page: Page) {
	return page.getByTestId('failover-question');
}

function banner(page: Page) {
	return page.getByTestId('failover-banner');
}

function lastAnswer(page: Page) {
	return page.getByTestId('message').last();
}

test('Continue finishes the answer on the stand-in; the banner says so and goes when the local model is back', async ({
	page
}) => {
	const errors = watchErrors(page);
	await openMock(page, '&mock_heal=2000');
	await sendMessage(page, '/failover');
	await expect(question(page)).toBeVisible();
	await expect(question(page)).toContainText(QUESTION);
	await expect(question(page)).toContainText('nothing is lost');
	await expect(question(page)).toBeFocused();
	await expect(lastAnswer(page)).toHaveAttribute('data-status', 'streaming');
	await expect(banner(page)).toBeHidden();
	await page.screenshot({ path: 'test-results/failover-question.png' });
	await question(page).getByRole('button', { name: 'Continue' }).click();
	await expect(question(page)).toBeHidden();
	await waitForAnswer(page);
	await expect(lastAnswer(page)).toContainText(
		'The local model began this answer and Desktop finished it.'
	);
	await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete');
	await expect(banner(page)).toBeVisible();
	await expect(banner(page)).toContainText('Fell back to Desktop (Qwen2.5-7B-Instruct)');
	await expect(banner(page)).toContainText('until This computer answers again');
	await page.screenshot({ path: 'test-results/failover-banner.png' });
	await expect(banner(page)).toBeHidden({ timeout: 10_000 });
	expect(errors).toEqual([]);
});

test('Wait for local, asked before the answer began, lets the local model answer: no fall-back', async ({
	page
}) => {
	const errors = watchErrors(page);
	await openMock(page, '&mock_heal=60000');
	await sendMessage(page, '/failover early');
	await expect(question(page)).toBeVisible();
	await expect(question(page)).not.toContainText('nothing is lost');
	await question(page).getByRole('button', { name: 'Wait for local' }).click();
	await waitForAnswer(page);
	await expect(question(page)).toBeHidden();
	await expect(lastAnswer(page)).toContainText('Paris is the capital of France.');
	await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete');
	await expect(banner(page)).toBeHidden();
	expect(errors).toEqual([]);
});

test('Cancel ends the answer with the reason, its text kept, and no fall-back', async ({
	page
}) => {
	await openMock(page, '&mock_heal=60000');
	await sendMessage(page, '/failover');
	await question(page).getByRole('button', { name: 'Cancel' }).click();
	await waitForAnswer(page);
	await expect(question(page)).toBeHidden();
	await expect(lastAnswer(page)).toHaveAttribute('data-status', 'error');
	await expect(lastAnswer(page)).toContainText('The local model began this answer');
	await expect(lastAnswer(page).getByRole('alert')).toContainText(
		'Lost the connection to llama-server'
	);
	await expect(banner(page)).toBeHidden();
});

test('Stop while asked ends the answer there and closes the question', async ({ page }) => {
	await openMock(page, '&mock_heal=60000');
	await sendMessage(page, '/failover');
	await expect(question(page)).toBeVisible();
	await page.getByRole('button', { name: 'Stop' }).click();
	await expect(question(page)).toBeHidden();
	await expect(lastAnswer(page)).toHaveAttribute('data-status', 'cancelled');
	await expect(lastAnswer(page)).toContainText('The local model began this answer');
});
