/**
 * Streaming benchmark: the built SPA with the mock bridge, in Chromium, streams a
 * 20,000-token markdown answer (sections with lists, tables and code) at 1,000 tokens/s.
 *
 * Main-thread time comes from a Chrome trace (top-level renderer tasks, merged), cut into
 * 16.7 ms frame windows. Token positions are marked with `performance.mark` from a wrapper
 * around `window.llamadesk.emit`, so trace time and token count line up.
 *
 * Prints JSON: p95/max main-thread ms per frame while streaming, ms from the last token to
 * the fully rendered answer, and main-thread ms per token in the first vs the last 10%.
 *
 * Usage: node scripts/bench.js [--tokens 20000] [--rate 1000]   (after `vite build`)
 */
import { chromium } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { serveBuild } from './serve-build.js';

const PORT = 4174;
const FRAME_MS = 1000 / 60;
const CHROMIUM = '/usr/bin/chromium';

/** @param {string} name @param {number} fallback */
function option(name, fallback) {
	const index = process.argv.indexOf(`--${name}`);
	return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const TOKENS = option('tokens', 20_000);
const RATE = option('rate', 1000);

/**
 * @typedef {{ name: string, ph: string, ts: number, dur?: number, pid: number, tid: number, cat: string, args?: { name?: string } }} TraceEvent
 */

/** Busy intervals (ms) of the renderer main thread, merged so nested tasks count once. */
/** @param {TraceEvent[]} events */
function mainThreadIntervals(events) {
	const mains = new Set(
		events
			.filter(
				(event) =>
					event.ph === 'M' && event.name === 'thread_name' && event.args?.name === 'CrRendererMain'
			)
			.map((event) => `${event.pid}:${event.tid}`)
	);
	/** @type {Map<string, [number, number][]>} */
	const byThread = new Map();
	for (const event of events) {
		const key = `${event.pid}:${event.tid}`;
		if (event.ph !== 'X' || !mains.has(key) || !event.cat.includes('toplevel')) continue;
		const list = byThread.get(key) ?? [];
		list.push([event.ts / 1000, (event.ts + (event.dur ?? 0)) / 1000]);
		byThread.set(key, list);
	}
	const busiest = [...byThread.values()].sort((a, b) => b.length - a.length)[0] ?? [];
	busiest.sort((a, b) => a[0] - b[0]);
	/** @type {[number, number][]} */
	const merged = [];
	for (const [start, end] of busiest) {
		const last = merged.at(-1);
		if (last && start <= last[1]) last[1] = Math.max(last[1], end);
		else merged.push([start, end]);
	}
	return merged;
}

/** @param {[number, number][]} intervals @param {number} from @param {number} to */
function busyBetween(intervals, from, to) {
	let total = 0;
	for (const [start, end] of intervals) {
		if (end <= from) continue;
		if (start >= to) break;
		total += Math.min(end, to) - Math.max(start, from);
	}
	return total;
}

/** @param {number[]} values @param {number} q */
function quantile(values, q) {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

/** @param {TraceEvent[]} events @param {string} name */
function markTime(events, name) {
	const mark = events.find(
		(event) => event.name === name && event.cat.includes('blink.user_timing')
	);
	if (!mark) throw new Error(`no performance mark ${name} in the trace`);
	return mark.ts / 1000;
}

const server = serveBuild(PORT);
const browser = await chromium.launch({
	executablePath: CHROMIUM,
	args: [
		'--no-sandbox',
		'--disable-gpu',
		'--disable-background-networking',
		'--disable-component-update',
		'--disable-sync',
		'--no-first-run'
	]
});
try {
	const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
	await page.goto(`http://127.0.0.1:${PORT}/?bridge=mock&mock_rate=${RATE}&mock_delay=0`);
	await page.getByTestId('server-status').and(page.locator('[data-state="ready"]')).waitFor();
	await page.evaluate((total) => {
		const target = /** @type {any} */ (window);
		const original = target.llamadesk.emit;
		let tokens = 0;
		const first = Math.floor(total * 0.1);
		const last = Math.floor(total * 0.9);
		target.llamadesk.emit = (/** @type {any} */ event) => {
			if (event.type === 'stream_chunk') {
				if (tokens === 0) performance.mark('bench:start');
				const before = tokens;
				tokens += (event.content.match(/\s*\S+|\s+/g) ?? []).length;
				if (before < first && tokens >= first) performance.mark('bench:first10');
				if (before < last && tokens >= last) performance.mark('bench:last10');
			}
			if (event.type === 'stream_end') {
				performance.mark('bench:end');
				const ended = performance.now();
				const check = () => {
					const answers = document.querySelectorAll(
						'[data-testid="message"][data-role="assistant"]'
					);
					const answer = /** @type {HTMLElement | undefined} */ (answers[answers.length - 1]);
					if (answer?.dataset.status !== 'complete') return requestAnimationFrame(check);
					// Two frames: the update is committed and painted.
					requestAnimationFrame(() =>
						requestAnimationFrame(() => (target.__benchRendered = performance.now() - ended))
					);
				};
				requestAnimationFrame(check);
			}
			original(event);
		};
	}, TOKENS);

	await browser.startTracing(page, { categories: ['toplevel', 'blink.user_timing', '__metadata'] });
	const input = page.getByLabel('Message', { exact: true });
	await input.fill(`/long ${TOKENS}`);
	await input.press('Enter');
	const answer = page.locator('[data-testid="message"][data-role="assistant"]').last();
	const renderedAfter = await page.waitForFunction(
		() => /** @type {any} */ (window).__benchRendered,
		null,
		{
			timeout: (TOKENS / RATE) * 4000 + 30_000,
			polling: 100
		}
	);
	const renderedAfterMs = Number(await renderedAfter.jsonValue());
	const trace = JSON.parse((await browser.stopTracing()).toString('utf8'));
	/** @type {TraceEvent[]} */
	const events = trace.traceEvents;
	const intervals = mainThreadIntervals(events);
	const start = markTime(events, 'bench:start');
	const first10 = markTime(events, 'bench:first10');
	const last10 = markTime(events, 'bench:last10');
	const end = markTime(events, 'bench:end');
	const frames = [];
	for (let from = start; from < end; from += FRAME_MS)
		frames.push(busyBetween(intervals, from, from + FRAME_MS));
	const tokens10 = Math.floor(TOKENS * 0.1);
	const renderedBlocks = await answer.locator('.markdown-block').count();
	const result = {
		tokens: TOKENS,
		tokens_per_second: RATE,
		stream_seconds: Number(((end - start) / 1000).toFixed(2)),
		frames: frames.length,
		p95_main_thread_ms_per_frame: Number(quantile(frames, 0.95).toFixed(2)),
		max_main_thread_ms_per_frame: Number(Math.max(...frames).toFixed(2)),
		mean_main_thread_ms_per_frame: Number(
			(frames.reduce((a, b) => a + b, 0) / frames.length).toFixed(2)
		),
		ms_after_last_token_until_rendered: Number(Number(renderedAfterMs).toFixed(1)),
		main_thread_ms_per_token_first_10pct: Number(
			(busyBetween(intervals, start, first10) / tokens10).toFixed(4)
		),
		main_thread_ms_per_token_last_10pct: Number(
			(busyBetween(intervals, last10, end) / tokens10).toFixed(4)
		),
		rendered_blocks: renderedBlocks,
		goal: {
			p95_ms: 8,
			after_last_token_ms: 1000,
			flat_cost: 'last 10% per-token cost close to the first 10%'
		}
	};
	console.log(JSON.stringify(result, null, 2));
	const jsonPath = process.argv[process.argv.indexOf('--json') + 1];
	if (process.argv.includes('--json') && jsonPath)
		writeFileSync(jsonPath, JSON.stringify(result, null, 2));
} finally {
	await browser.close();
	server.close();
}
