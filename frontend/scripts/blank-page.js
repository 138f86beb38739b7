/**
 * Headless Chromium on `about:blank`, for `bench/bench_inference_share.py`: the same browser
 * and flags as `share-page.js`, with no page of ours, so the benchmark can tell how much of the
 * idle page's CPU is Chromium's own. Prints `IDLE` once the blank page has loaded, then stays
 * open for `--idle` seconds.
 *
 * Usage: node scripts/blank-page.js [--idle 8]
 */
import { chromium } from '@playwright/test';

const index = process.argv.indexOf('--idle');
const idleS = index >= 0 ? Number(process.argv[index + 1]) : 8;
const browser = await chromium.launch({
	executablePath: '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run']
});
try {
	const page = await browser.newPage({ viewport: { width: 1200, height: 820 } });
	await page.goto('about:blank');
	console.log('IDLE');
	await page.waitForTimeout(idleS * 1000);
} finally {
	await browser.close();
}
