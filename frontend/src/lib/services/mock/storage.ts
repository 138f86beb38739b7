import type { BackupInfo, BackupList, DatabaseRecovery, RestoredBackup } from '$lib/types';
import { MockFailure } from './errors';

const FOLDER = '/home/user/.local/share/llamadesk/backups';

/** Two days of backups, newest first, like the backend's `list_backups`. */
const BACKUPS: BackupInfo[] = [
	{
		name: 'conversations-20260302-090000.db',
		created_at: '2026-03-02T09:00:00Z',
		size_bytes: 86016
	},
	{
		name: 'conversations-20260301-090000.db',
		created_at: '2026-03-01T09:00:00Z',
		size_bytes: 81920
	}
];

/** The database safety net of the mock: a recovery at start when asked for, and backups. */
export class MockStorage {
	constructor(private readonly recovered: boolean) {}

	recovery(): DatabaseRecovery | null {
		if (!this.recovered) return null;
		return {
			problem: 'file is not a database',
			damaged_path:
				'/home/user/.local/share/llamadesk/conversations.db.bad-20260302T101500.000000Z',
			recovered_at: '2026-03-02T10:15:00Z',
			conversations: 12,
			messages: 85,
			unreadable_pages: 1,
			newest_backup: BACKUPS[0] ?? null
		};
	}

	list(): BackupList {
		return { folder: FOLDER, backups: BACKUPS };
	}

	restore(name: string): RestoredBackup {
		const backup = BACKUPS.find((entry) => entry.name === name);
		if (!backup) throw new MockFailure('not_found', `No backup named '${name}' in ${FOLDER}.`);
		return {
			backup,
			kept_aside:
				'/home/user/.local/share/llamadesk/conversations.before-restore-20260302-103000.db'
		};
	}
}
