/**
 * Streaming benchmark: the built SPA with the mock bridge, in Chromium, streams a
 * 20,000-token markdown answer (sections with lists, tables and code) at 1,000 tokens/s.
 *
 * Main-thread time comes from a Chrome trace (top-level renderer tasks, merged), cut into
 * 16.7 ms frame windows. Token positions are marked with `performance.mark` from a wrapper
 * around `window.llamadesk.emit`, so trace time and token count line up. Each task counts
 * twice: its wall time (what a frame waits for, including time the OS gave to other
 * threads) and its thread CPU time (the work itself, which does not change with the load on
 * a 2-core machine). The stream runs `--runs` times in a fresh browser; the figures are the
 * medians over the runs, and every run is listed.
 *
 * Prints JSON: p95/max main-thread ms per frame while streaming, ms from the last token to
 * the fully rendered answer, and main-thread ms per token in the first vs the last 10%.
 *
 * Usage: node scripts/bench.js [--tokens 20000] [--rate 1000] [--runs 5] [--json FILE]
 * (after `vite build`)
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
const RUNS = option('runs', 5);

/**
 * @typedef {{ name: string, ph: string, ts: number, dur?: number, tdur?: number, pid: number, tid: number, cat: string, args?: { name?: string } }} TraceEvent
 * @typedef {{ start: number, end: number, cpuShare: number }} Busy
 */

/**
 * Busy intervals (ms) of the renderer main thread, merged so nested tasks count once; each
 * keeps the share of its wall time that the thread spent on the CPU.
 * @param {TraceEvent[]} events
 * @returns {Busy[]}
 */
function mainThreadIntervals(events) {
	const mains = new Set(
		events
			.filter(
				(event) =>
					event.ph === 'M' && event.name === 'thread_name' && event.args?.name === 'CrRendererMain'
			)
			.map((event) => `${event.pid}:${event.tid}`)
	);
	/** @type {Map<string, TraceEvent[]>} */
	const byThread = new Map();
	for (const event of events) {
		const key = `${event.pid}:${event.tid}`;
		if (event.ph !== 'X' || !mains.has(key) || !event.cat.includes('toplevel')) continue;
		const list = byThread.get(key) ?? [];
		list.push(event);
		byThread.set(key, list);
	}
	const busiest = [...byThread.values()].sort((a, b) => b.length - a.length)[0] ?? [];
	busiest.sort((a, b) => a.ts - b.ts);
	/** @type {Busy[]} */
	const merged = [];
	for (const event of busiest) {
		const start = event.ts / 1000;
		const wall = (event.dur ?? 0) / 1000;
		const cpu = (event.tdur ?? event.dur ?? 0) / 1000;
		const last = merged.at(-1);
		if (last && start <= last.end) {
			// Nested in (or overlapping) the task before: the outer task's times already hold it.
			last.end = Math.max(last.end, start + wall);
			continue;
		}
		merged.push({ start, end: start + wall, cpuShare: wall > 0 ? Math.min(1, cpu / wall) : 1 });
	}
	return merged;
}

/** Wall and CPU ms of main-thread work inside [from, to). @param {Busy[]} intervals @param {number} from @param {number} to */
function busyBetween(intervals, from, to) {
	let wall = 0;
	let cpu = 0;
	for (const { start, end, cpuShare } of intervals) {
		if (end <= from) continue;
		if (start >= to) break;
		const overlap = Math.min(end, to) - Math.max(start, from);
		wall += overlap;
		cpu += overlap * cpuShare;
	}
	return { wall, cpu };
}

/** @param {number[]} values @param {number} fraction */
function quantile(values, fraction) {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
}

/** @param {number[]} values */
const median = (values) => quantile(values, 0.5);

/** @param {number} value @param {number} digits */
const round = (value, digits = 2) => Number(value.toFixed(digits));

/** @param {TraceEvent[]} events @param {string} name */
function markTime(events, name) {
	const mark = events.find(
		(event) => event.name === name && event.cat.includes('blink.user_timing')
	);
	if (!mark) throw new Error(`no performance mark ${name} in the trace`);
	return mark.ts / 1000;
}

/** Marks the first token, the 10% and 90% points and the end; records when the answer is painted. */
function instrument(/** @type {number} */ total) {
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
				const answers = document.querySelectorAll('[data-testid="message"][data-role="assistant"]');
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
}

/** One stream in a fresh browser. */
async function runOnce() {
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
		await page.evaluate(instrument, TOKENS);

		await browser.startTracing(page, {
			categories: ['toplevel', 'blink.user_timing', '__metadata']
		});
		const input = page.getByLabel('Message', { exact: true });
		await input.fill(`/long ${TOKENS}`);
		await input.press('Enter');
		const answer = page.locator('[data-testid="message"][data-role="assistant"]').last();
		const renderedAfter = await page.waitForFunction(
			() => /** @type {any} */ (window).__benchRendered,
			null,
			{ timeout: (TOKENS / RATE) * 4000 + 30_000, polling: 100 }
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
		const wall = frames.map((frame) => frame.wall);
		const cpu = frames.map((frame) => frame.cpu);
		const tokens10 = Math.floor(TOKENS * 0.1);
		return {
			stream_seconds: round((end - start) / 1000),
			frames: frames.length,
			p95_main_thread_ms_per_frame: round(quantile(wall, 0.95)),
			p95_main_thread_cpu_ms_per_frame: round(quantile(cpu, 0.95)),
			max_main_thread_ms_per_frame: round(Math.max(...wall)),
			mean_main_thread_ms_per_frame: round(wall.reduce((a, b) => a + b, 0) / wall.length),
			ms_after_last_token_until_rendered: round(renderedAfterMs, 1),
			main_thread_ms_per_token_first_10pct: round(
				busyBetween(intervals, start, first10).wall / tokens10,
				4
			),
			main_thread_ms_per_token_last_10pct: round(
				busyBetween(intervals, last10, end).wall / tokens10,
				4
			),
			rendered_blocks: await answer.locator('.markdown-block').count()
		};
	} finally {
		await browser.close();
	}
}

const server = serveBuild(PORT);
try {
	/** @type {Awaited<ReturnType<typeof runOnce>>[]} */
	const runs = [];
	for (let run = 0; run < RUNS; run += 1) runs.push(await runOnce());
	/** @param {keyof (typeof runs)[number]} key */
	const mid = (key) => median(runs.map((run) => Number(run[key])));
	const result = {
		tokens: TOKENS,
		tokens_per_second: RATE,
		runs: runs.length,
		p95_main_thread_ms_per_frame: mid('p95_main_thread_ms_per_frame'),
		p95_main_thread_cpu_ms_per_frame: mid('p95_main_thread_cpu_ms_per_frame'),
		max_main_thread_ms_per_frame: mid('max_main_thread_ms_per_frame'),
		mean_main_thread_ms_per_frame: mid('mean_main_thread_ms_per_frame'),
		ms_after_last_token_until_rendered: mid('ms_after_last_token_until_rendered'),
		main_thread_ms_per_token_first_10pct: mid('main_thread_ms_per_token_first_10pct'),
		main_thread_ms_per_token_last_10pct: mid('main_thread_ms_per_token_last_10pct'),
		goal: {
			p95_ms: 8,
			after_last_token_ms: 1000,
			flat_cost: 'last 10% per-token cost close to the first 10%'
		},
		each_run: runs
	};
	console.log(JSON.stringify(result, null, 2));
	const jsonPath = process.argv[process.argv.indexOf('--json') + 1];
	if (process.argv.includes('--json') && jsonPath)
		writeFileSync(jsonPath, JSON.stringify(result, null, 2));
} finally {
	server.close();
}
