import type { BackupInfo } from '$lib/types';

/** `84 KB` / `3.2 MB`: backups are often far smaller than model files. */
export function formatBackupSize(bytes: number): string {
	return bytes >= 1024 ** 2
		? `${(bytes / 1024 ** 2).toFixed(1)} MB`
		: `${Math.ceil(bytes / 1024)} KB`;
}

/** When a backup was made, in the user's locale. */
export function backupDate(backup: BackupInfo): string {
	return new Date(backup.created_at).toLocaleString(undefined, {
		dateStyle: 'medium',
		timeStyle: 'short'
	});
}
