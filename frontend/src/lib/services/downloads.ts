import type { DownloadInfo } from '$lib/types';
import { call } from './ipc';

/** What to download: a GGUF link, and optionally its file name and SHA-256. */
export interface DownloadRequest {
	url: string;
	filename: string | null;
	sha256: string | null;
}

/** Download commands. Stateless. */
export const DownloadsService = {
	list: (): Promise<DownloadInfo[]> => call('list_downloads', {}),
	/** Start a download; for a paused or failed one with the same name, the backend resumes it. */
	start: ({ url, filename, sha256 }: DownloadRequest): Promise<DownloadInfo> =>
		call('download_model', { url, filename, sha256 }),
	cancel: (download_id: string): Promise<DownloadInfo[]> =>
		call('cancel_download', { download_id }),
	/** Take finished downloads off the list (their models stay); returns the rest. */
	clearFinished: (): Promise<DownloadInfo[]> => call('clear_finished_downloads', {})
};
