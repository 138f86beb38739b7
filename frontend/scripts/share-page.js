/**
 * The page's side of `bench/bench_inference_share.py`, against a headless Chromium the bench
 * started on browser mode's URL (`bench/_chromium.py`), over its DevTools port. Each mode
 * connects, does its part and lets go, so no driver is attached while the answer streams (an
 * attached one is sent an event for every chunk the page reads).
 *
 * - `send`: reloads the page with a counter installed, waits until the server is ready, opens a
 *   new chat, waits `--settle` seconds, types the prompt into the chat form and prints `SENT`.
 *   Counted in the page from then on: the stream chunks it received (a listener on each
 *   `EventSource` it opens), the DOM mutation batches (one per render that changed the page)
 *   and the seconds from the first chunk to the end.
 * - `read`: once the answer is complete, prints `{"chunks", "renders", "stream_s", "text_chars"}`.
 *
 * Usage: node scripts/share-page.js send CDP_URL PROMPT [--settle 2]
 *        node scripts/share-page.js read CDP_URL
 */
import { chromium } from '@playwright/test';

const [mode = '', cdpUrl = '', prompt = ''] = process.argv.slice(2);

/** @param {string} name @param {number} fallback */
function option(name, fallback) {
	const index = process.argv.indexOf(`--${name}`);
	return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

/**
 * Runs in the page before its scripts: browser mode's events arrive on an `EventSource`; each
 * one the page opens also counts the stream's chunks and notes its end.
 */
function countEvents() {
	const share = { counting: false, chunks: 0, renders: 0, firstAt: 0, endAt: 0 };
	Object.assign(window, { __share: share });
	const Native = window.EventSource;
	window.EventSource = class extends Native {
		/** @param {string | URL} url @param {EventSourceInit} [init] */
		constructor(url, init) {
			super(url, init);
			this.addEventListener('message', (message) => {
				if (!share.counting) return;
				const { type } = JSON.parse(message.data);
				if (type === 'stream_chunk') {
					share.chunks += 1;
					share.firstAt ||= performance.now();
				} else if (type === 'stream_end' || type === 'stream_error') {
					share.endAt = performance.now();
				}
			});
		}
	};
}

/** Runs in the page: from now on, count chunks and the page's renders (DOM mutation batches). */
function startCounting() {
	const share = /** @type {any} */ (window).__share;
	share.counting = true;
	new MutationObserver(() => (share.renders += 1)).observe(document.body, {
		childList: true,
		subtree: true,
		characterData: true
	});
}

/** @param {import('@playwright/test').Page} page */
async function send(page) {
	await page.context().addInitScript(countEvents);
	await page.reload();
	await page.getByTestId('server-status').and(page.locator('[data-state="ready"]')).waitFor();
	await page.getByRole('button', { name: 'New chat' }).click();
	await page.locator('#chat-input').waitFor();
	await page.waitForTimeout(option('settle', 2) * 1000);
	await page.evaluate(startCounting);
	await page.locator('#chat-input').fill(prompt);
	await page.locator('#chat-input').press('Enter');
	console.log('SENT');
}

/** @param {import('@playwright/test').Page} page */
async function read(page) {
	await page.waitForFunction(() => /** @type {any} */ (window).__share.endAt > 0, undefined, {
		timeout: 60_000
	});
	const result = await page.evaluate(() => {
		const share = /** @type {any} */ (window).__share;
		const answers = document.querySelectorAll('[data-testid="message"][data-role="assistant"]');
		const text = answers[answers.length - 1]?.querySelector('.markdown')?.textContent ?? '';
		return {
			chunks: share.chunks,
			renders: share.renders,
			stream_s: (share.endAt - share.firstAt) / 1000,
			text_chars: text.length
		};
	});
	console.log(JSON.stringify(result));
}

async function run() {
	if (!['send', 'read'].includes(mode) || !cdpUrl || (mode === 'send' && !prompt))
		throw new Error('usage: share-page.js send CDP_URL PROMPT [--settle S] | read CDP_URL');
	const browser = await chromium.connectOverCDP(cdpUrl);
	try {
		const page = browser.contexts()[0]?.pages()[0];
		if (!page) throw new Error('the browser has no page open');
		await (mode === 'send' ? send(page) : read(page));
	} finally {
		// connected over CDP, this lets go of the browser and leaves it and its page open
		await browser.close();
	}
}

await run();
