import type { DownloadInfo } from '$lib/types';
import { formatBytes } from './format';

/** `45 MB/s` style transfer rates. */
export function formatRate(bytesPerSecond: number): string {
	return `${formatBytes(bytesPerSecond)}/s`;
}

/** `2 min 5 s` style time left. */
export function formatEta(seconds: number): string {
	const whole = Math.ceil(seconds);
	if (whole < 60) return `${Math.max(whole, 1)} s`;
	const minutes = Math.floor(whole / 60);
	if (minutes < 60) return `${minutes} min ${whole % 60} s`;
	return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** How far a download is, as a whole percentage, or null when its size is unknown. */
export function downloadPercent(download: DownloadInfo): number | null {
	if (download.total === null || download.total === 0) return null;
	return Math.min(100, Math.floor((download.bytes_done / download.total) * 100));
}

/** `1.2 GB of 2.0 GB · 45 MB/s · 12 s left`, leaving out what is not known. */
export function downloadSummary(download: DownloadInfo): string {
	const size =
		download.total === null
			? formatBytes(download.bytes_done)
			: `${formatBytes(download.bytes_done)} of ${formatBytes(download.total)}`;
	const running = download.status === 'running';
	return [
		size,
		running && download.rate_bps ? formatRate(download.rate_bps) : null,
		running && download.eta_s !== null ? `${formatEta(download.eta_s)} left` : null
	]
		.filter(Boolean)
		.join(' · ');
}
