import { EVENT } from '$lib/constants/bridge';
import {
	LOCAL_API_DEFAULT_PORT,
	LOCAL_API_SETTING,
	LOCAL_API_STATUS_EVENT
} from '$lib/constants/local-api';
import { BridgeEvents } from '$lib/services/events';
import { LocalApiService } from '$lib/services/local-api';
import type { LocalApiStatus } from '$lib/types';
import { settingsStore } from './settings.svelte';
import { messageOf } from '$lib/services/bridge-error';

/** The local API: its switch and port (settings) and its state, URL and key (the backend). */
export class LocalApiStore {
	status = $state<LocalApiStatus | null>(null);
	isBusy = $state(false);
	error = $state<string | null>(null);

	/** The switch and the port as the settings hold them. */
	readonly settings = $derived.by(() => {
		const values = (settingsStore.config?.values.local_api ?? {}) as {
			enabled?: boolean;
			port?: number;
		};
		return { enabled: values.enabled ?? false, port: values.port ?? LOCAL_API_DEFAULT_PORT };
	});

	constructor() {
		BridgeEvents.subscribe((event) => {
			if (event.type === LOCAL_API_STATUS_EVENT) this.status = event.status;
			// The model it serves is the selected one: ask again when the models change.
			else if (event.type === EVENT.modelsChanged && this.status !== null) void this.load();
		});
	}

	async load(): Promise<void> {
		try {
			this.status = await LocalApiService.status();
			this.error = null;
		} catch (error) {
			this.error = messageOf(error);
		}
	}

	/** Switch it on or off at `port`; false (with the settings' error) when refused. */
	async save(enabled: boolean, port: number): Promise<boolean> {
		this.isBusy = true;
		try {
			const saved = await settingsStore.saveConfig({
				[LOCAL_API_SETTING.enabled]: enabled,
				[LOCAL_API_SETTING.port]: port
			});
			if (saved === null) {
				this.error = settingsStore.error;
				return false;
			}
			await this.load();
			return true;
		} finally {
			this.isBusy = false;
		}
	}

	async regenerateKey(): Promise<void> {
		this.isBusy = true;
		try {
			this.status = await LocalApiService.regenerateKey();
			this.error = null;
		} catch (error) {
			this.error = messageOf(error);
		} finally {
			this.isBusy = false;
		}
	}
}

export const localApiStore = new LocalApiStore();
