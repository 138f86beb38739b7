import { expect, test, type Browser, type Page } from '@playwright/test';
import { openMock, sendMessage, waitForAnswer } from './helpers';

/**
 * What the page costs the machine while an answer is on its way: every frame Chromium draws is
 * CPU the model does not get, so nothing may animate on every display refresh while the model
 * reads the prompt or streams (CSS animations and transitions would), and an idle page draws
 * nothing.
 */

/** Frames Chromium draws for `page` during `ms` (from a trace). */
async function framesDuring(browser: Browser, page: Page, ms: number): Promise<number> {
	await browser.startTracing(page, { categories: ['disabled-by-default-devtools.timeline.frame'] });
	await page.waitForTimeout(ms);
	const trace = JSON.parse((await browser.stopTracing()).toString('utf8')) as {
		traceEvents: { name: string }[];
	};
	return trace.traceEvents.filter((event) => event.name === 'DrawFrame').length;
}

function runningAnimations(page: Page): Promise<string[]> {
	return page.evaluate(() =>
		document
			.getAnimations()
			.filter((animation) => animation.playState === 'running')
			.map((animation) => String((animation.effect as KeyframeEffect | null)?.target?.nodeName))
	);
}

test('while the model reads the prompt, the page draws a few frames a second', async ({
	page,
	browser
}) => {
	await openMock(page, '&mock_delay=4000');
	await sendMessage(page, 'Tell me a story');
	const answer = page.getByTestId('message').last();
	const reading = answer
		.getByRole('status', { name: 'The model is thinking' })
		.or(answer.getByRole('progressbar', { name: 'Reading the prompt' }));
	await expect(reading.first()).toBeVisible(); // the dots show beside the bar
	expect(await runningAnimations(page)).toEqual([]);
	// a CSS bounce of the typing indicator drew 106 frames in 2 s; stepping its dots and moving
	// the progress bar without a transition draw a few a second
	expect(await framesDuring(browser, page, 2000)).toBeLessThanOrEqual(12);
	expect(await runningAnimations(page)).toEqual([]);
	await waitForAnswer(page);
});

test('no animation runs while an answer streams, and an idle page draws nothing', async ({
	page,
	browser
}) => {
	test.setTimeout(60_000);
	await page.goto('/?bridge=mock&mock_rate=40');
	await expect(page.getByTestId('server-status')).toHaveAttribute('data-state', 'ready');
	await sendMessage(page, '/long 150');
	await expect(page.getByTestId('message').last()).toHaveAttribute('data-status', 'streaming');
	await expect(page.getByTestId('message').last().locator('.markdown')).not.toBeEmpty();
	for (let sample = 0; sample < 5; sample += 1) {
		expect(await runningAnimations(page)).toEqual([]);
		await page.waitForTimeout(200);
	}
	await waitForAnswer(page);
	await page.mouse.move(0, 0);
	await page.waitForTimeout(500);
	expect(await framesDuring(browser, page, 1500)).toBe(0);
});
