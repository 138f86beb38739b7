import { expect, test, type Page } from '@playwright/test';
import { openMock, sendMessage, waitForAnswer, watchErrors } from './helpers';

/** The mock with a ready tool server "files" whose tools are read_file and search. */
const WITH_TOOLS = '&mock_tools=demo&mock_tool_start=50&mock_tool_call=300';

function card(page: Page) {
	return page.getByTestId('tool-approval');
}

function toolCall(page: Page) {
	return page.getByTestId('tool-call');
}

/** Record in the page whether an approval card ever appears (it may come and go quickly). */
async function watchApprovals(page: Page): Promise<() => Promise<boolean>> {
	await page.evaluate(() => {
		const flag = window as unknown as { approvalSeen: boolean };
		flag.approvalSeen = false;
		new MutationObserver(() => {
			if (document.querySelector('[data-testid="tool-approval"]')) flag.approvalSeen = true;
		}).observe(document.body, { childList: true, subtree: true });
	});
	return () => page.evaluate(() => (window as unknown as { approvalSeen: boolean }).approvalSeen);
}

test('a call waits for approval with its tool, server and arguments; "Run once" by keyboard runs it', async ({
	page
}) => {
	const errors = watchErrors(page);
	await openMock(page, WITH_TOOLS);
	await sendMessage(page, '/tool');
	await expect(card(page)).toBeVisible();
	await expect(card(page)).toContainText('Run read_file on files?');
	await expect(card(page).getByTestId('tool-approval-arguments')).toHaveText(
		'{\n  "path": "notes.txt"\n}'
	);
	await expect(card(page)).toBeFocused();
	await page.screenshot({ path: 'test-results/tool-approval.png' });
	await page.keyboard.press('Tab');
	await expect(card(page).getByRole('button', { name: 'Run once' })).toBeFocused();
	await page.keyboard.press('Enter');
	await expect(card(page)).toBeHidden();
	await expect(toolCall(page)).toHaveAttribute('data-state', /running|done/);
	await waitForAnswer(page);
	await expect(toolCall(page).getByTestId('tool-call-state')).toHaveText('Done');
	await expect(page.getByTestId('message').last()).toContainText(
		'The notes say to buy milk and to call the plumber on Tuesday.'
	);
	expect(errors).toEqual([]);
});

test('a call shows collapsed; opening it shows the arguments and the result, a cut result says so', async ({
	page
}) => {
	await openMock(page, WITH_TOOLS);
	await sendMessage(page, '/tool big');
	await card(page).getByRole('button', { name: 'Run once' }).click();
	await waitForAnswer(page);
	const row = toolCall(page);
	await expect(row).toContainText('read_file');
	await expect(row).toContainText('on files');
	await expect(row.getByTestId('tool-call-state')).toHaveText('Done');
	await expect(row.getByTestId('tool-call-duration')).toHaveText(/^\d+ ms$/);
	await expect(row.getByTestId('tool-call-result')).toBeHidden();
	await row.getByRole('button', { expanded: false }).click();
	await expect(row.getByTestId('tool-call-arguments')).toContainText('"path": "big.txt"');
	await expect(row.getByTestId('tool-call-result')).toHaveAttribute('data-collapsed', 'true');
	await expect(row.getByTestId('tool-call-truncated')).toHaveText(
		'The result was cut: it had 110,000 characters.'
	);
	await row.getByRole('button', { name: 'Show all' }).last().click();
	await expect(row.getByTestId('tool-call-result')).toHaveAttribute('data-collapsed', 'false');
	await page.screenshot({ path: 'test-results/tool-call-open.png' });
});

test('deny with a reason: the model gets it and answers without the tool', async ({ page }) => {
	await openMock(page, WITH_TOOLS);
	await sendMessage(page, '/tool');
	await card(page).getByLabel('Reason for denying (optional)').fill('those notes are private');
	await card(page).getByRole('button', { name: 'Deny' }).click();
	await waitForAnswer(page);
	const row = toolCall(page);
	await expect(row.getByTestId('tool-call-state')).toHaveText('Denied');
	await row.getByRole('button', { expanded: false }).click();
	await expect(row.getByTestId('tool-call-result')).toContainText('those notes are private');
	await expect(page.getByTestId('message').last()).toContainText('I could not read the notes');
});

test('"Always for this tool": the next call runs without asking, and Settings shows the rule', async ({
	page
}) => {
	await openMock(page, WITH_TOOLS);
	await sendMessage(page, '/tool');
	await card(page).getByRole('button', { name: 'Always for this tool' }).click();
	await waitForAnswer(page);
	const approvalSeen = await watchApprovals(page);
	await sendMessage(page, '/tool');
	await waitForAnswer(page);
	await expect(toolCall(page)).toHaveCount(2);
	await expect(toolCall(page).last().getByTestId('tool-call-state')).toHaveText('Done');
	expect(await approvalSeen()).toBe(false);
	await page.getByRole('link', { name: 'Settings' }).click();
	await page.getByRole('tab', { name: 'Tools' }).click();
	const server = page.getByRole('listitem', { name: 'files' });
	await server.getByRole('button', { name: 'Show the tools of files' }).click();
	await expect(server.getByLabel('Rule for read_file')).toHaveValue('allow');
	await expect(server.getByLabel('Rule for every tool of files')).toHaveValue('ask');
});

test('"Always for this server" also lets its other tools run without asking', async ({ page }) => {
	await openMock(page, WITH_TOOLS);
	await sendMessage(page, '/tool');
	await card(page).getByRole('button', { name: 'Always for this server' }).click();
	await waitForAnswer(page);
	const approvalSeen = await watchApprovals(page);
	await sendMessage(page, '/tools');
	await waitForAnswer(page);
	await expect(toolCall(page)).toHaveCount(3);
	expect(await approvalSeen()).toBe(false);
});

test('Stop while a call runs: the call and the answer end stopped, and the next message works', async ({
	page
}) => {
	const errors = watchErrors(page);
	await openMock(page, WITH_TOOLS);
	await sendMessage(page, '/tool slow');
	await card(page).getByRole('button', { name: 'Run once' }).click();
	await expect(toolCall(page)).toHaveAttribute('data-state', 'running');
	await page.getByRole('button', { name: 'Stop generating' }).click();
	await expect(toolCall(page)).toHaveAttribute('data-state', 'cancelled');
	await expect(toolCall(page).getByTestId('tool-call-state')).toHaveText('Stopped');
	const stopped = page.getByTestId('message').last();
	await expect(stopped).toHaveAttribute('data-status', 'cancelled');
	await expect(stopped).toContainText('Stopped');
	// Its calls did not run: it can be regenerated, not continued.
	await expect(stopped.getByRole('button', { name: 'Continue' })).toHaveCount(0);
	await expect(stopped.getByRole('button', { name: 'Regenerate answer' })).toBeEnabled();
	await sendMessage(page, 'hello');
	await waitForAnswer(page);
	await expect(page.getByTestId('message').last()).toHaveAttribute('data-status', 'complete');
	expect(errors).toEqual([]);
});

test('Stop while a call waits for approval: the card turns into a stopped call', async ({
	page
}) => {
	await openMock(page, WITH_TOOLS);
	await sendMessage(page, '/tool');
	await expect(card(page)).toBeVisible();
	await page.getByRole('button', { name: 'Stop generating' }).click();
	await expect(card(page)).toBeHidden();
	await expect(toolCall(page)).toHaveAttribute('data-state', 'cancelled');
	await expect(page.getByTestId('message').last()).toHaveAttribute('data-status', 'cancelled');
	await expect(page.getByRole('button', { name: 'Send message' })).toBeVisible();
});

test('regenerating the text after a tool round keeps the round and makes a second version', async ({
	page
}) => {
	await openMock(page, WITH_TOOLS);
	await sendMessage(page, '/tool');
	await card(page).getByRole('button', { name: 'Run once' }).click();
	await waitForAnswer(page);
	await page.getByTestId('message').last().hover();
	await page
		.getByTestId('message')
		.last()
		.getByRole('button', { name: 'Regenerate answer' })
		.click();
	await waitForAnswer(page);
	await expect(page.getByTestId('message')).toHaveCount(3);
	await expect(toolCall(page)).toHaveCount(1);
	await expect(page.getByTestId('message').last().getByTestId('branching')).toContainText('2/2');
	await page
		.getByTestId('message')
		.last()
		.getByRole('button', { name: 'Previous version' })
		.click();
	await expect(page.getByTestId('message').last().getByTestId('branching')).toContainText('1/2');
	await expect(toolCall(page)).toHaveCount(1);
});

test('with tool servers on, a model whose template cannot call tools says so by the form', async ({
	page
}) => {
	await openMock(page, WITH_TOOLS);
	const note = page.getByTestId('template-cannot-call-tools-chat');
	await expect(note).toBeHidden();
	await page.getByTestId('model-selector').click();
	await page.getByRole('option', { name: /SmolLM2 360M/ }).click();
	await expect(note).toContainText("This model's template cannot call tools");
});
