import { expect, test, type Page } from '@playwright/test';
import { openMock, sendMessage, waitForAnswer, watchErrors } from './helpers';

/** The conversation settings panel, token probabilities and stop thinking, on the mock. */

async function openSettings(page: Page) {
	await page.getByRole('button', { name: 'Conversation settings' }).click();
	const panel = page.getByTestId('conversation-settings');
	await expect(panel.getByLabel('Temperature')).toBeVisible();
	return panel;
}

async function turnOnProbabilities(page: Page): Promise<void> {
	const panel = await openSettings(page);
	await panel.getByLabel('Keep how likely each word was, and its alternatives').check();
	await panel.getByLabel('Alternatives per token').fill('3');
	await panel.getByRole('button', { name: 'Save' }).click();
	await expect(panel).toHaveCount(0);
}

test('the panel shows the global values as placeholders, saves, refuses a bad value and resets', async ({
	page
}) => {
	const errors = watchErrors(page);
	await openMock(page);
	await sendMessage(page, 'Hello');
	await waitForAnswer(page);
	let panel = await openSettings(page);
	await expect(panel.getByLabel('Temperature')).toHaveAttribute('placeholder', /server default/);
	await expect(panel.getByLabel('Use the global system prompt')).toBeChecked();

	await panel.getByLabel('Temperature').fill('9');
	await panel.getByRole('button', { name: 'Save' }).click();
	await expect(panel.locator('[data-field="temperature"]')).toContainText('between 0 and 5');

	await panel.getByLabel('Temperature').fill('0.3');
	await panel.getByLabel('Seed').fill('42');
	await panel.getByLabel('Stop sequences').fill('END\nSTOP');
	await panel.getByLabel('Use the global system prompt').uncheck();
	await panel.getByLabel('System prompt', { exact: true }).fill('You answer in French.');
	await panel.getByLabel('Effort').selectOption('low');
	await panel.getByRole('button', { name: 'Save' }).click();
	await expect(panel).toHaveCount(0);

	panel = await openSettings(page);
	await expect(panel.getByLabel('Temperature')).toHaveValue('0.3');
	await expect(panel.getByLabel('Seed')).toHaveValue('42');
	await expect(panel.getByLabel('Stop sequences')).toHaveValue('END\nSTOP');
	await expect(panel.getByLabel('System prompt', { exact: true })).toHaveValue(
		'You answer in French.'
	);
	await expect(panel.getByLabel('Effort')).toHaveValue('low');
	await expect(panel.getByTestId('reasoning-note')).toContainText('no restart needed');

	await panel.getByRole('button', { name: 'Reset to global' }).click();
	await expect(panel).toHaveCount(0);
	panel = await openSettings(page);
	await expect(panel.getByLabel('Temperature')).toHaveValue('');
	await expect(panel.getByLabel('Stop sequences')).toHaveValue('');
	await expect(panel.getByLabel('Use the global system prompt')).toBeChecked();
	expect(errors).toEqual([]);
});

test('token probabilities: shaded tokens, their alternatives, and a branch from one', async ({
	page
}) => {
	const errors = watchErrors(page);
	await openMock(page);
	await sendMessage(page, 'Hello');
	await waitForAnswer(page);
	await expect(page.getByTestId('show-tokens')).toHaveCount(0);

	await turnOnProbabilities(page);
	await page.getByRole('button', { name: 'Regenerate answer' }).click();
	await waitForAnswer(page);
	const answer = page.getByTestId('message').last();
	await answer.getByTestId('show-tokens').getByRole('checkbox').check();
	const tokens = answer.getByTestId('token');
	expect(await tokens.count()).toBeGreaterThan(10);
	// The tokens are the answer's raw text (its markdown source), in order.
	expect((await tokens.allTextContents()).join('')).toMatch(
		/^Here is a short answer with \*\*markdown\*\*\./
	);
	await expect(answer.locator('.token-doubtful').first()).toBeVisible();

	const third = tokens.nth(3);
	const chosenText = await third.textContent();
	const before = (await tokens.allTextContents()).slice(0, 3).join('');
	await third.click();
	const alternatives = answer.getByTestId('token-alternatives').getByTestId('alternative');
	await expect(alternatives).toHaveCount(3);
	await expect(alternatives.first()).toContainText('%');
	const shown = (await alternatives.locator('code').allTextContents()).map(
		(code) => JSON.parse(code) as string
	);
	const pick = shown.findIndex((token) => token !== chosenText);
	const alternative = shown[pick] as string;
	const second = alternatives.nth(pick);
	await second.getByRole('button', { name: /Regenerate from here/ }).click();
	await waitForAnswer(page);
	const branch = page.getByTestId('message').last();
	await expect(branch.getByTestId('branching')).toContainText('3/3');
	await branch.getByTestId('show-tokens').getByRole('checkbox').check();
	const branchTokens = await branch.getByTestId('token').allTextContents();
	expect(branchTokens.slice(0, 4).join('')).toBe(before + alternative);
	expect(errors).toEqual([]);
});

test('the token view of a continued answer grows as its tokens come, in order', async ({
	page
}) => {
	const errors = watchErrors(page);
	await openMock(page);
	await sendMessage(page, 'Hello');
	await waitForAnswer(page);
	await turnOnProbabilities(page);
	await sendMessage(page, '/long 1500');
	const answer = page.getByTestId('message').last();
	await expect(answer.locator('.markdown')).toBeVisible();
	await page.getByRole('button', { name: 'Stop generating' }).click();
	await expect(answer).toHaveAttribute('data-status', 'cancelled');
	await answer.getByTestId('show-tokens').getByRole('checkbox').check();
	const tokens = answer.getByTestId('token');
	const stopped = await tokens.allTextContents();
	expect(stopped.length).toBeGreaterThan(0);

	// The tokens shown on each frame while it streams, until it is complete.
	const whileStreaming = page.evaluate(
		() =>
			new Promise<number[]>((resolve) => {
				const counts: number[] = [];
				const look = () => {
					const node = [...document.querySelectorAll('[data-testid="message"]')].at(-1);
					const status = node?.getAttribute('data-status');
					if (status === 'streaming')
						counts.push(node?.querySelectorAll('[data-testid="token"]').length ?? 0);
					if (status === 'complete') return resolve(counts);
					requestAnimationFrame(look);
				};
				look();
			})
	);
	await answer.getByRole('button', { name: 'Continue' }).click();
	const counts = await whileStreaming;
	expect(Math.max(...counts)).toBeGreaterThan(stopped.length);
	expect(counts).toEqual([...counts].sort((a, b) => a - b));
	await expect(answer).toHaveAttribute('data-status', 'complete', { timeout: 15_000 });
	const all = await tokens.allTextContents();
	expect(all.length).toBeGreaterThan(stopped.length);
	expect(all.slice(0, stopped.length)).toEqual(stopped);
	expect(errors).toEqual([]);
});

test('stop thinking ends the reasoning and the answer follows', async ({ page }) => {
	await openMock(page, '&mock_rate=40');
	await sendMessage(page, '/think long');
	const answer = page.getByTestId('message').last();
	await expect(answer.getByTestId('reasoning')).toContainText('Thinking…');
	await answer.getByRole('button', { name: 'Stop thinking' }).click();
	await waitForAnswer(page);
	await expect(answer.locator('.markdown')).toContainText('The answer is 42.');
	const reasoning = answer.getByTestId('reasoning');
	await expect(reasoning).toContainText(/Thought for \d+(\.\d)? s/);
	await reasoning.locator('summary').click();
	await expect(reasoning).not.toContainText('Six times seven');
});
