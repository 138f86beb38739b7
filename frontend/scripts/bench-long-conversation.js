/**
 * Long-conversation benchmark: the built SPA with the mock bridge, in Chromium, imports a
 * conversation of 1,000 messages (each ~350 characters of markdown) and a tiny one, then
 * switches between them.
 *
 * Measured in the page, from the click on the sidebar link to the frame after the one that
 * shows the latest message at the bottom of the log (`requestAnimationFrame` then a task):
 * the open time (median over the opens). Also the DOM size with the long conversation open,
 * and the JS heap after a forced GC with it closed (the tiny one open) after 1 and after 3
 * opens. Goals: open ≤ 150 ms, heap after 3 opens within 5% of the heap after 1.
 *
 * Usage: node scripts/bench-long-conversation.js [--messages 1000] [--opens 5] [--json FILE]
 * (after `vite build`)
 */
import { chromium } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { serveBuild } from './serve-build.js';

const PORT = 4175;
const CHROMIUM = '/usr/bin/chromium';
const GOAL_OPEN_MS = 150;
const GOAL_HEAP_GROWTH = 0.05;
const AT = '2026-01-02T03:04:05.678Z';
const ANSWER =
	'Here is **what I found**, with a [link](https://example.com) and `inline code`:\n\n' +
	'- the first point, which runs on for most of a line of text\n' +
	'- a second point, shorter\n\n' +
	'A closing paragraph of ordinary prose that wraps at least once on a wide window, ' +
	'so each answer is about three hundred and fifty characters long in all.';

/** @param {string} name @param {number} fallback */
function option(name, fallback) {
	const index = process.argv.indexOf(`--${name}`);
	return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const MESSAGES = option('messages', 1000);
const OPENS = Math.max(3, option('opens', 5));

/** @param {string} id @param {string} title @param {number} count */
function conversation(id, title, count) {
	const messages = Array.from({ length: count }, (_, index) => ({
		id: `${id}-m${index}`,
		parent_id: index === 0 ? null : `${id}-m${index - 1}`,
		role: index % 2 === 0 ? 'user' : 'assistant',
		content: index % 2 === 0 ? `Question ${index}: how does this work?` : `${ANSWER} (${index})`,
		created_at: AT
	}));
	return { id, title, created_at: AT, updated_at: AT, messages };
}

/**
 * Runs in the page: clicks the link titled `title`, resolves with the ms until the frame after
 * the one showing a last message that contains `last`, at the bottom of the log.
 * @param {{ title: string, last: string }} args
 */
function openTimed({ title, last }) {
	return new Promise((resolve, reject) => {
		const links = [...document.querySelectorAll('[data-testid="sidebar"] a')];
		const link = /** @type {HTMLElement | undefined} */ (
			links.find((element) => element.textContent?.includes(title))
		);
		if (!link) return reject(new Error(`no sidebar link ${title}`));
		const started = performance.now();
		link.click();
		const check = () => {
			const log = document.querySelector('[data-testid="messages"]');
			const message = [...document.querySelectorAll('[data-testid="message"]')].at(-1);
			const shown =
				log &&
				message?.textContent?.includes(last) &&
				message.getBoundingClientRect().bottom <= log.getBoundingClientRect().bottom + 2;
			if (shown)
				requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - started)));
			else requestAnimationFrame(check);
		};
		requestAnimationFrame(check);
	});
}

/** @param {number[]} values */
function median(values) {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	const upper = sorted[middle] ?? 0;
	return sorted.length % 2 ? upper : ((sorted[middle - 1] ?? 0) + upper) / 2;
}

async function run() {
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run']
	});
	try {
		const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
		await page.goto(`http://127.0.0.1:${PORT}/?bridge=mock`);
		await page.getByTestId('server-status').and(page.locator('[data-state="ready"]')).waitFor();
		const exported = {
			format: 'llamadesk.conversations',
			version: 1,
			conversations: [
				conversation('long', 'Long one', MESSAGES),
				conversation('tiny', 'Tiny one', 2)
			]
		};
		await page.getByTestId('import-input').setInputFiles({
			name: 'long.json',
			mimeType: 'application/json',
			buffer: Buffer.from(JSON.stringify(exported))
		});
		await page.getByTestId('sidebar').getByRole('link', { name: 'Long one' }).waitFor();
		const cdp = await page.context().newCDPSession(page);
		const heap = async () => {
			await cdp.send('HeapProfiler.collectGarbage');
			await cdp.send('HeapProfiler.collectGarbage');
			return (await cdp.send('Runtime.getHeapUsage')).usedSize;
		};
		/** @type {number[]} */
		const opens = [];
		/** @type {number[]} */
		const heaps = [];
		let domNodes = 0;
		let messagesInDom = 0;
		for (let index = 0; index < OPENS; index += 1) {
			opens.push(await page.evaluate(openTimed, { title: 'Long one', last: `(${MESSAGES - 1})` }));
			domNodes = await page.evaluate(() => document.getElementsByTagName('*').length);
			messagesInDom = await page.getByTestId('message').count();
			await page.evaluate(openTimed, { title: 'Tiny one', last: '(1)' });
			heaps.push(await heap());
		}
		const [afterOne = 0, , afterThree = 0] = heaps;
		const growth = (afterThree - afterOne) / afterOne;
		return {
			messages: MESSAGES,
			open_ms_median: Math.round(median(opens)),
			open_ms: opens.map((value) => Math.round(value)),
			dom_nodes: domNodes,
			messages_in_dom: messagesInDom,
			heap_mb_after_1: +(afterOne / 2 ** 20).toFixed(2),
			heap_mb_after_3: +(afterThree / 2 ** 20).toFixed(2),
			heap_mb_after_each: heaps.map((value) => +(value / 2 ** 20).toFixed(2)),
			heap_growth_1_to_3: +growth.toFixed(3),
			goal: `open <= ${GOAL_OPEN_MS} ms, heap growth <= ${GOAL_HEAP_GROWTH * 100}%`,
			pass: median(opens) <= GOAL_OPEN_MS && growth <= GOAL_HEAP_GROWTH
		};
	} finally {
		await browser.close();
	}
}

const server = serveBuild(PORT);
try {
	const result = await run();
	const text = JSON.stringify(result, null, 2);
	console.log(text);
	const jsonPath = process.argv[process.argv.indexOf('--json') + 1];
	if (process.argv.includes('--json') && jsonPath) writeFileSync(jsonPath, text);
	process.exitCode = result.pass ? 0 : 1;
} finally {
	server.close();
}
