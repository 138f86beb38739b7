import type { PromptProgress } from '$lib/types';

/** What the progress bar shows of llama-server's `prompt_progress`. */
export interface ReadingEstimate {
	/** Tokens read so far, of `toRead` (the tokens the cache did not have). */
	read: number;
	toRead: number;
	/** 0..1 of the tokens to read. */
	fraction: number;
	/** Milliseconds left at the rate so far, or null before the first batch is done. */
	leftMs: number | null;
	/** Tokens of the prompt taken from the slot's cache. */
	cached: number;
}

/** Tokens read / to read, and the time left, from a progress report (cache tokens excluded). */
export function readingEstimate(progress: PromptProgress): ReadingEstimate {
	const toRead = Math.max(0, progress.total - progress.cache);
	const read = Math.min(toRead, Math.max(0, progress.processed - progress.cache));
	const fraction = toRead === 0 ? 1 : read / toRead;
	const leftMs =
		read > 0 && progress.time_ms > 0 ? ((toRead - read) * progress.time_ms) / read : null;
	return { read, toRead, fraction, leftMs, cached: progress.cache };
}

/** `about 12 s left`, `about 3 min left`, or `estimating…` before there is a rate. */
export function formatTimeLeft(leftMs: number | null): string {
	if (leftMs === null) return 'estimating time left…';
	const seconds = Math.ceil(leftMs / 1000);
	if (seconds < 60) return `about ${seconds} s left`;
	return `about ${Math.ceil(seconds / 60)} min left`;
}
