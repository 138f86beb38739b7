/** The backend event carrying one download's progress. */
export const DOWNLOAD_PROGRESS_EVENT = 'download_progress';

/** How each download status reads. */
export const DOWNLOAD_STATUS_LABEL = {
	queued: 'Queued',
	running: 'Downloading',
	paused: 'Paused',
	failed: 'Failed',
	done: 'Done'
} as const;
