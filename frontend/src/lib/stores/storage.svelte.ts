import { DATABASE_RECOVERED_EVENT } from '$lib/constants/storage';
import { BridgeEvents } from '$lib/services/events';
import { StorageService } from '$lib/services/storage';
import type { BackupInfo, DatabaseRecovery, RestoredBackup } from '$lib/types';
import { conversationsStore } from './conversations.svelte';
import { messageOf } from '$lib/services/bridge-error';

/** A damaged database recovered at start (until dismissed), and the backups to restore from. */
export class StorageStore {
	recovery = $state<DatabaseRecovery | null>(null);
	dismissed = $state(false);
	readonly showRecovery = $derived(this.recovery !== null && !this.dismissed);
	backups = $state<BackupInfo[]>([]);
	folder = $state<string | null>(null);
	isRestoring = $state(false);
	/** The last restore, to say where the conversations from before it went. */
	restored = $state<RestoredBackup | null>(null);
	error = $state<string | null>(null);

	constructor() {
		BridgeEvents.subscribe((event) => {
			if (event.type === DATABASE_RECOVERED_EVENT) this.recovery = event.recovery;
		});
	}

	/** Ask whether start-up recovered the database (browser mode gets no event for it). */
	async loadRecovery(): Promise<void> {
		try {
			this.recovery = (await StorageService.recovery()) ?? this.recovery;
		} catch (error) {
			this.error = messageOf(error);
		}
	}

	dismissRecovery(): void {
		this.dismissed = true;
	}

	async loadBackups(): Promise<void> {
		try {
			const list = await StorageService.backups();
			this.backups = list.backups;
			this.folder = list.folder;
			this.error = null;
		} catch (error) {
			this.error = messageOf(error);
		}
	}

	/** Restore a backup, then show its conversations; false (with `error`) on failure. */
	async restore(name: string): Promise<boolean> {
		this.isRestoring = true;
		try {
			this.restored = await StorageService.restore(name);
			this.error = null;
			await conversationsStore.load();
			return true;
		} catch (error) {
			this.error = messageOf(error);
			return false;
		} finally {
			this.isRestoring = false;
		}
	}
}

export const storageStore = new StorageStore();
