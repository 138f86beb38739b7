import type { BackupList, DatabaseRecovery, RestoredBackup } from '$lib/types';
import { call } from './ipc';

/** The conversation database's safety net: a recovery at start, the daily backups. Stateless. */
export const StorageService = {
	/** What start-up did with a damaged database; null when it was sound. */
	recovery: (): Promise<DatabaseRecovery | null> => call('get_database_recovery', {}),
	backups: (): Promise<BackupList> => call('list_backups', {}),
	/** Replace the conversations with a backup's; the current ones are kept aside first. */
	restore: (name: string): Promise<RestoredBackup> => call('restore_backup', { name })
};
