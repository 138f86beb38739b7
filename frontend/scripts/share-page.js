/**
 * One streamed answer in the real page, for `bench/bench_inference_share.py`: opens browser
 * mode's URL in headless Chromium (the same flags as the benchmarks of the page), waits until
 * the server is ready and the page has been idle for `--settle` seconds, types the prompt into
 * the chat form of a new chat, and waits for the answer to be complete (polling every 250 ms,
 * so the waiting itself asks for no frames).
 *
 * Counted in the page while the answer streams: the stream chunks it received (a listener on
 * each `EventSource` it opens), the DOM mutation batches (one per render that changed the page) and the seconds from the first chunk to the end.
 *
 * Prints `SENT` once the prompt is sent (the caller measures each process's CPU from then on), then
 * one JSON line when the answer is complete: `{"chunks", "renders", "stream_s", "text_chars"}`.
 * With `--idle S` it then stays open for S seconds after printing `IDLE`, so the caller can
 * measure the idle page's CPU.
 *
 * Usage: node scripts/share-page.js URL PROMPT [--settle 2] [--idle 0]
 */
import { chromium } from '@playwright/test';

const CHROMIUM = '/usr/bin/chromium';
const [url, prompt] = process.argv.slice(2);

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

async function run() {
	if (!url || !prompt) throw new Error('usage: share-page.js URL PROMPT [--settle S] [--idle S]');
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run']
	});
	try {
		const page = await browser.newPage({ viewport: { width: 1200, height: 820 } });
		await page.addInitScript(countEvents);
		await page.goto(url);
		await page.getByTestId('server-status').and(page.locator('[data-state="ready"]')).waitFor();
		await page.getByRole('button', { name: 'New chat' }).click();
		await page.locator('#chat-input').waitFor();
		await page.waitForTimeout(option('settle', 2) * 1000);
		await page.evaluate(startCounting);
		await page.locator('#chat-input').fill(prompt);
		await page.locator('#chat-input').press('Enter');
		console.log('SENT');
		await page.waitForFunction(() => /** @type {any} */ (window).__share.endAt > 0, undefined, {
			polling: 250,
			timeout: 600_000
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
		const idle = option('idle', 0);
		if (idle > 0) {
			console.log('IDLE');
			await page.waitForTimeout(idle * 1000);
		}
	} finally {
		await browser.close();
	}
}

await run();
