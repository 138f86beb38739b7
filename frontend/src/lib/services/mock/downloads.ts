import type { BridgeEvent, DownloadInfo } from '$lib/types';
import { MockFailure } from './errors';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
/** Ticks a download takes from start to finish. */
const STEPS = 24;
const URL_PATTERN = /^https?:\/\/\S+$/;
const SHA256_PATTERN = /^[0-9a-fA-F]{64}$/;
/** A URL containing this loses its connection half-way, once (resume then finishes it). */
export const MOCK_FAILING_URL_PART = 'fail';
export const MOCK_MODELS_DIR = '/home/user/.llamadesk/models';

export interface MockDownloadsHost {
	emit: (event: BridgeEvent) => void;
	/** Whether a file of that name is already in the models folder. */
	exists: (name: string) => boolean;
	/** A download finished: its file joins the models folder. */
	finished: (path: string, sizeBytes: number) => void;
	tickMs: number;
}

interface Job {
	info: DownloadInfo;
	timer: ReturnType<typeof setInterval> | null;
	failedOnce: boolean;
}

function megabytes(bytes: number): string {
	return bytes >= GIB ? `${(bytes / GIB).toFixed(1)} GB` : `${Math.round(bytes / MIB)} MB`;
}

/** The download commands of the mock backend; progress arrives as `download_progress` events. */
export class MockDownloads {
	private jobs = new Map<string, Job>();

	constructor(private readonly host: MockDownloadsHost) {}

	list(): DownloadInfo[] {
		return [...this.jobs.values()].map((job) => job.info);
	}

	/** Start a download; a paused or failed one of the same name resumes where it stopped. */
	start(url: string, filename: string | null, sha256: string | null): DownloadInfo {
		checkParams(url, sha256);
		const name = filename ?? decodeURIComponent(url.split('?')[0]?.split('/').pop() ?? '');
		if (!name.toLowerCase().endsWith('.gguf')) {
			throw new MockFailure(
				'invalid_argument',
				`'${name}' is not a .gguf file name; give one that ends in .gguf.`
			);
		}
		const existing = this.jobs.get(name);
		if (existing && (existing.info.status === 'paused' || existing.info.status === 'failed')) {
			return this.run(existing, { status: 'queued', error: null, url });
		}
		if (existing && existing.info.status !== 'done') {
			throw new MockFailure(
				'conflict',
				`${name} is already being downloaded (${existing.info.status}); resume or cancel that download first.`
			);
		}
		if (this.host.exists(name)) {
			throw new MockFailure('conflict', `${name} already exists in the models folder.`);
		}
		const total = Math.round((1 + (name.length % 7) / 10) * GIB);
		const job: Job = {
			info: {
				id: name,
				url,
				path: `${MOCK_MODELS_DIR}/${name}`,
				status: 'queued',
				bytes_done: 0,
				total,
				rate_bps: null,
				eta_s: null,
				error: null,
				sha256: sha256?.toLowerCase() ?? null
			},
			timer: null,
			failedOnce: false
		};
		this.jobs.set(name, job);
		return this.run(job, {});
	}

	cancel(id: string): DownloadInfo[] {
		const job = this.jobs.get(id);
		if (!job) throw new MockFailure('not_found', `No download called '${id}'.`);
		if (job.info.status === 'done') {
			throw new MockFailure('conflict', `${id} is finished; remove the model instead.`);
		}
		this.stop(job);
		this.jobs.delete(id);
		return this.list();
	}

	/** Take finished downloads off the list. */
	clearFinished(): DownloadInfo[] {
		for (const [id, job] of this.jobs) if (job.info.status === 'done') this.jobs.delete(id);
		return this.list();
	}

	private run(job: Job, patch: Partial<DownloadInfo>): DownloadInfo {
		this.set(job, patch);
		const step = Math.ceil((job.info.total ?? GIB) / STEPS);
		const rate = (step * 1000) / this.host.tickMs;
		job.timer = setInterval(() => this.tick(job, step, rate), this.host.tickMs);
		return job.info;
	}

	private tick(job: Job, step: number, rate: number): void {
		const total = job.info.total ?? 0;
		const done = Math.min(total, job.info.bytes_done + step);
		const failing = job.info.url.includes(MOCK_FAILING_URL_PART) && !job.failedOnce;
		if (failing && done >= total / 2) {
			job.failedOnce = true;
			this.stop(job);
			this.set(job, {
				status: 'failed',
				rate_bps: null,
				eta_s: null,
				error: `The connection was lost at ${megabytes(job.info.bytes_done)} of ${megabytes(total)}; resume to continue.`
			});
			return;
		}
		if (done < total) {
			this.set(job, {
				status: 'running',
				bytes_done: done,
				rate_bps: rate,
				eta_s: (total - done) / rate
			});
			return;
		}
		this.stop(job);
		this.set(job, { status: 'done', bytes_done: total, rate_bps: null, eta_s: 0 });
		this.host.finished(job.info.path, total);
	}

	private stop(job: Job): void {
		if (job.timer !== null) clearInterval(job.timer);
		job.timer = null;
	}

	private set(job: Job, patch: Partial<DownloadInfo>): void {
		job.info = { ...job.info, ...patch };
		this.host.emit({ type: 'download_progress', download: job.info });
	}
}

/** The checks `DownloadModelParams` makes, with pydantic's field paths. */
function checkParams(url: string, sha256: string | null): void {
	const fields = [
		...(URL_PATTERN.test(url)
			? []
			: [{ field: 'url', message: "String should match pattern '^https?://\\S+$'" }]),
		...(sha256 === null || SHA256_PATTERN.test(sha256)
			? []
			: [{ field: 'sha256', message: "String should match pattern '^[0-9a-fA-F]{64}$'" }])
	];
	if (fields.length) {
		const summary = fields.map(({ field, message }) => `${field}: ${message}`).join('; ');
		throw new MockFailure(
			'invalid_argument',
			`Invalid arguments for download_model: ${summary}`,
			fields
		);
	}
}
