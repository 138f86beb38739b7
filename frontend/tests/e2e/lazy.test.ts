import { expect, test, type Page } from '@playwright/test';
import { openMock } from './helpers';

const AT = '2026-01-02T03:04:05.678Z';

function conversation(id: string, title: string, count: number, answer: string): object {
	const messages = Array.from({ length: count }, (_, index) => ({
		id: `${id}-m${index}`,
		parent_id: index === 0 ? null : `${id}-m${index - 1}`,
		role: index % 2 === 0 ? 'user' : 'assistant',
		content: index % 2 === 0 ? `Question ${index}` : `${answer} (answer ${index})`,
		created_at: AT
	}));
	return { id, title, created_at: AT, updated_at: AT, messages };
}

async function importConversations(page: Page, conversations: object[]): Promise<void> {
	await page.getByTestId('import-input').setInputFiles({
		name: 'many.json',
		mimeType: 'application/json',
		buffer: Buffer.from(
			JSON.stringify({ format: 'llamadesk.conversations', version: 1, conversations })
		)
	});
}

async function openConversation(page: Page, title: string, last: string): Promise<void> {
	await page.getByTestId('sidebar').getByRole('link', { name: title }).click();
	await expect(page.getByTestId('message').last()).toContainText(last);
}

const LONG = Array.from(
	{ length: 20 },
	(_, index) => `Paragraph ${index} with **bold** text.`
).join('\n\n');

test('a long conversation keeps only the messages near the viewport in the DOM', async ({
	page
}) => {
	await openMock(page);
	await importConversations(page, [conversation('big', 'Big one', 60, LONG)]);
	await openConversation(page, 'Big one', 'answer 59');
	const mounted = await page.getByTestId('message').count();
	expect(mounted).toBeGreaterThan(0);
	expect(mounted).toBeLessThan(60);
	const rendered = await page.locator('[data-testid="message"] .markdown').count();
	expect(rendered).toBeGreaterThan(0);
	expect(rendered).toBeLessThan(30);
	await expect(
		page.getByTestId('message').last().locator('.markdown strong').first()
	).toBeVisible();
	// Scrolling up renders the older messages as they come into view.
	const log = page.getByTestId('messages');
	await log.hover();
	await expect(async () => {
		await page.mouse.wheel(0, -20_000);
		await expect(page.getByText('Question 0', { exact: true })).toBeVisible({ timeout: 500 });
	}).toPass({ timeout: 15_000 });
	expect(await page.getByTestId('message').count()).toBeLessThan(60);
});

test('a 1,000-message conversation opens with a DOM of a few messages, and reopening it leaks no heap', async ({
	page
}) => {
	const markdown =
		'Some **markdown** with a [link](https://example.com), `code` and a list:\n\n' +
		'- one item that goes on for a while to fill the line\n- another item\n\n' +
		'A closing paragraph of ordinary prose, long enough to wrap at least once on a wide screen.';
	await openMock(page);
	await importConversations(page, [
		conversation('huge', 'Huge one', 1000, markdown),
		conversation('warm', 'Warm-up', 200, markdown),
		conversation('tiny', 'Tiny one', 2, 'Short')
	]);
	const cdp = await page.context().newCDPSession(page);
	async function heapAfterGc(): Promise<number> {
		await cdp.send('HeapProfiler.collectGarbage');
		await cdp.send('HeapProfiler.collectGarbage');
		return (await cdp.send('Runtime.getHeapUsage')).usedSize;
	}
	async function openAndLeave(): Promise<void> {
		await openConversation(page, 'Huge one', 'answer 999');
		expect(await page.getByTestId('message').count()).toBeLessThan(40);
		await openConversation(page, 'Tiny one', 'answer 1');
	}

	// V8 keeps compiling (optimised code and feedback grow the heap by ~60 KB per open for a
	// while, measured with heap snapshots): warm it up on another long conversation first, so
	// what is compared is what the conversation itself leaves behind.
	await openConversation(page, 'Warm-up', 'answer 199');
	await openConversation(page, 'Tiny one', 'answer 1');
	await openAndLeave();
	const afterOne = await heapAfterGc();
	await openAndLeave();
	await openAndLeave();
	const afterThree = await heapAfterGc();
	expect(afterThree).toBeLessThanOrEqual(afterOne * 1.05);
});
