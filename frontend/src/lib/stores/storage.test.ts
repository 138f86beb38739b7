import { beforeEach, describe, expect, it } from 'vitest';
import { BridgeEvents } from '$lib/services/events';
import { useTransport } from '$lib/services/ipc';
import { fakeTransport } from '$lib/testing/fake-transport';
import { bridgeError, failingTransport } from '$lib/testing/fixtures';
import type { BackupInfo, DatabaseRecovery } from '$lib/types';
import { StorageStore } from './storage.svelte';

const BACKUP: BackupInfo = {
	name: 'conversations-20260301-090000.db',
	created_at: '2026-03-01T09:00:00Z',
	size_bytes: 4096
};
const RECOVERY: DatabaseRecovery = {
	problem: 'file is not a database',
	damaged_path: '/data/conversations.db.bad-20260302T101500.000000Z',
	recovered_at: '2026-03-02T10:15:00Z',
	conversations: 3,
	messages: 9,
	unreadable_pages: 0,
	newest_backup: BACKUP
};

let store: StorageStore;

beforeEach(() => {
	store = new StorageStore();
});

describe('StorageStore', () => {
	it('shows a recovery from the command until dismissed', async () => {
		await useTransport(fakeTransport({ get_database_recovery: () => RECOVERY }));
		await store.loadRecovery();
		expect(store.showRecovery).toBe(true);
		expect(store.recovery?.damaged_path).toBe(RECOVERY.damaged_path);
		store.dismissRecovery();
		expect(store.showRecovery).toBe(false);
	});

	it('shows a recovery from the event, and a sound database shows nothing', async () => {
		await useTransport(fakeTransport({ get_database_recovery: () => null }));
		await store.loadRecovery();
		expect(store.showRecovery).toBe(false);
		BridgeEvents.dispatch({ type: 'database_recovered', recovery: RECOVERY });
		expect(store.showRecovery).toBe(true);
		await store.loadRecovery();
		expect(store.recovery).toEqual(RECOVERY);
	});

	it('lists backups and restores one, then reloads the conversations', async () => {
		const transport = fakeTransport({
			list_backups: () => ({ folder: '/data/backups', backups: [BACKUP] }),
			restore_backup: ({ name }) => ({
				backup: { ...BACKUP, name },
				kept_aside: '/data/conversations.before-restore.db'
			}),
			list_conversations: () => []
		});
		await useTransport(transport);
		await store.loadBackups();
		expect([store.folder, store.backups]).toEqual(['/data/backups', [BACKUP]]);
		expect(await store.restore(BACKUP.name)).toBe(true);
		expect(store.restored?.kept_aside).toBe('/data/conversations.before-restore.db');
		expect(transport.calls.map(([name]) => name)).toEqual([
			'list_backups',
			'restore_backup',
			'list_conversations'
		]);
		expect(store.isRestoring).toBe(false);
	});

	it('keeps the reason a restore failed', async () => {
		await useTransport(
			failingTransport(
				{},
				{ restore_backup: bridgeError('The backup is damaged; choose another.') }
			)
		);
		expect(await store.restore(BACKUP.name)).toBe(false);
		expect(store.error).toBe('The backup is damaged; choose another.');
		expect(store.restored).toBeNull();
	});
});
