import { SvelteSet } from 'svelte/reactivity';
import { DOWNLOAD_PROGRESS_EVENT } from '$lib/constants/downloads';
import { BridgeCallError, messageOf } from '$lib/services/bridge-error';
import { DownloadsService, type DownloadRequest } from '$lib/services/downloads';
import { BridgeEvents } from '$lib/services/events';
import type { DownloadInfo } from '$lib/types';
import { withItem } from '$lib/utils/by-id';

/** Downloads into the models folder, kept current by `download_progress` events. */
export class DownloadsStore {
	downloads = $state<DownloadInfo[]>([]);
	/** Whether any download has finished (and could be cleared from the list). */
	readonly hasFinished = $derived(this.downloads.some((entry) => entry.status === 'done'));
	isStarting = $state(false);
	/** Why the last start, resume or cancel failed. */
	error = $state<string | null>(null);
	/** Backend validation errors of the download form, by field (`url`, `filename`, `sha256`). */
	fieldErrors = $state<Record<string, string>>({});
	/** Downloads cancelled here: a late progress event must not bring them back. */
	private cancelled = new SvelteSet<string>();

	constructor() {
		BridgeEvents.subscribe((event) => {
			if (event.type === DOWNLOAD_PROGRESS_EVENT) this.apply(event.download);
		});
	}

	/** Merge one download's new state (a new or resumed download starts `queued`). */
	private apply(download: DownloadInfo): void {
		if (this.cancelled.has(download.id)) {
			if (download.status !== 'queued') return;
			this.cancelled.delete(download.id);
		}
		this.downloads = withItem(this.downloads, download);
	}

	async load(): Promise<void> {
		try {
			this.downloads = await DownloadsService.list();
			this.error = null;
		} catch (error) {
			this.error = messageOf(error);
		}
	}

	/** Start a download (or resume a paused or failed one of the same name); false on failure. */
	async start(request: DownloadRequest): Promise<boolean> {
		this.isStarting = true;
		try {
			const started = await DownloadsService.start(request);
			this.cancelled.delete(started.id);
			// Progress events may have overtaken the answer; never step back from running.
			if (!this.downloads.some((entry) => entry.id === started.id && entry.status === 'running'))
				this.apply(started);
			this.error = null;
			this.fieldErrors = {};
			return true;
		} catch (error) {
			this.error = messageOf(error);
			this.fieldErrors =
				error instanceof BridgeCallError
					? Object.fromEntries(error.fields.map(({ field, message }) => [field, message]))
					: {};
			return false;
		} finally {
			this.isStarting = false;
		}
	}

	/** Download a paused or failed one again from where it stopped. */
	resume(download: DownloadInfo): Promise<boolean> {
		return this.start({ url: download.url, filename: download.id, sha256: download.sha256 });
	}

	/** Stop a download and delete its partial file. */
	async cancel(downloadId: string): Promise<void> {
		this.cancelled.add(downloadId);
		try {
			this.downloads = await DownloadsService.cancel(downloadId);
			this.error = null;
		} catch (error) {
			this.cancelled.delete(downloadId);
			this.error = messageOf(error);
		}
	}

	/** Take finished downloads off the list; their models stay in the model list. */
	async clearFinished(): Promise<void> {
		try {
			this.downloads = await DownloadsService.clearFinished();
			this.error = null;
		} catch (error) {
			this.error = messageOf(error);
		}
	}
}

export const downloadsStore = new DownloadsStore();
