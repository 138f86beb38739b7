/**
 * The page's side of bench/bench_many_conversations.py: browser mode at `--url` (a home with
 * 10,000 conversations), in Chromium. Boot: from the navigation's start to the first
 * conversation link in the sidebar (`performance.now()` when it appears). Search: from typing
 * `--query` into the search box to the first highlighted result, timed in the page. Each is the
 * median over `--runs` fresh pages. Prints JSON.
 *
 * Usage: node scripts/bench-many-conversations.js --url URL --query WORD [--runs 5]
 */
import { chromium } from '@playwright/test';

const CHROMIUM = '/usr/bin/chromium';

/** @param {string} name */
function argument(name) {
	const index = process.argv.indexOf(`--${name}`);
	return index >= 0 ? process.argv[index + 1] : undefined;
}

const URL = argument('url') ?? '';
const QUERY = argument('query') ?? '';
const RUNS = Number(argument('runs') ?? 5);

/** @param {number[]} values */
function median(values) {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	const upper = sorted[middle] ?? 0;
	return sorted.length % 2 ? upper : ((sorted[middle - 1] ?? 0) + upper) / 2;
}

/** Runs in the page: types `query`, resolves with ms until the first `mark` in the results. */
function searchTimed(/** @type {string} */ query) {
	return new Promise((resolve) => {
		const input = /** @type {HTMLInputElement} */ (
			document.querySelector('input[aria-label="Search conversations"]')
		);
		const started = performance.now();
		input.value = query;
		input.dispatchEvent(new Event('input', { bubbles: true }));
		const check = () => {
			if (document.querySelector('[data-testid="search-results"] mark'))
				requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - started)));
			else requestAnimationFrame(check);
		};
		requestAnimationFrame(check);
	});
}

const browser = await chromium.launch({
	executablePath: CHROMIUM,
	args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run']
});
try {
	/** @type {number[]} */
	const boots = [];
	/** @type {number[]} */
	const searches = [];
	let items = 0;
	for (let run = 0; run < RUNS; run += 1) {
		const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
		await page.goto(URL);
		const shown = await page.waitForFunction(
			() => (document.querySelector('[data-testid="sidebar"] a') ? performance.now() : 0),
			null,
			{ polling: 'raf', timeout: 60_000 }
		);
		boots.push(Number(await shown.jsonValue()));
		items = await page.getByTestId('conversation-item').count();
		searches.push(await page.evaluate(searchTimed, QUERY));
		await page.close();
	}
	console.log(
		JSON.stringify({
			boot_ms_median: Math.round(median(boots)),
			boot_ms: boots.map(Math.round),
			search_ms_median: Math.round(median(searches)),
			search_ms: searches.map(Math.round),
			sidebar_items_in_dom: items
		})
	);
} finally {
	await browser.close();
}
