import { expect, test } from '@playwright/test';
import { openMock, sendMessage, waitForAnswer, watchErrors } from './helpers';

test('an enabled tool server that failed is named by the answer, which goes on with the other tools', async ({
	page
}) => {
	const errors = watchErrors(page);
	await openMock(page, '&mock_tools=demo&mock_tool_start=50&mock_tool_call=300');
	await page.getByRole('link', { name: 'Settings' }).click();
	await page.getByRole('tab', { name: 'Tools' }).click();
	await page.getByRole('button', { name: 'Add server' }).click();
	const form = page.getByRole('form', { name: 'Add a tool server' });
	await form.getByLabel('Name').fill('broken');
	await form.getByLabel('Command').fill('fail-server');
	await form.getByRole('button', { name: 'Add server' }).click();
	const item = page.getByRole('listitem', { name: 'broken' });
	await expect(item.getByTestId('tool-server-state')).toHaveAttribute('data-state', 'failed');
	await page.getByRole('link', { name: 'Back to chat' }).click();

	await sendMessage(page, '/tool');
	const answer = page.getByTestId('message').last();
	const notice = answer.getByTestId('answer-notice');
	await expect(notice).toHaveText(
		'The tool server broken is not available: it exited with code 1 (its last stderr line: ' +
			'"Error: cannot open the database"). This answer goes on without its tools; ' +
			'Settings → Tools can restart it.'
	);
	// The ready server's tools are still offered: its call asks for approval and runs.
	const card = page.getByTestId('tool-approval');
	await expect(card).toContainText('Run read_file on files?');
	await card.getByRole('button', { name: 'Run once' }).click();
	await waitForAnswer(page);
	await expect(page.getByTestId('tool-call-state')).toHaveText('Done');
	await expect(page.getByTestId('answer-notice')).toHaveCount(1);
	expect(errors).toEqual([]);
});
