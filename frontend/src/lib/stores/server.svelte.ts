import { EVENT } from '$lib/constants/bridge';
import { BridgeEvents } from '$lib/services/events';
import { ServerService } from '$lib/services/server';
import type { ServerStatus } from '$lib/types';

const BUSY_STATES: ReadonlySet<ServerStatus['state']> = new Set(['starting', 'restarting']);

/** llama-server's state as the backend's monitor reports it. */
class ServerStore {
	status = $state<ServerStatus | null>(null);
	error = $state<string | null>(null);

	readonly isReady = $derived(this.status?.state === 'ready');
	readonly isBusy = $derived(this.status ? BUSY_STATES.has(this.status.state) : false);

	/** Why sending is impossible right now, or null when it is possible. */
	readonly unavailableReason = $derived.by(() => {
		const status = this.status;
		if (!status) return 'Connecting to the backend…';
		switch (status.state) {
			case 'ready':
				return null;
			case 'starting':
				return 'The model is loading…';
			case 'restarting':
				return 'The server is restarting…';
			case 'stopped':
				return status.model ? 'The server is stopped.' : 'No model is selected.';
			default:
				return status.last_error ?? 'The server is not available.';
		}
	});

	constructor() {
		BridgeEvents.subscribe((event) => {
			if (event.type === EVENT.serverStatus) this.status = event.status;
		});
	}

	async load(): Promise<void> {
		try {
			this.status = await ServerService.status();
			this.error = null;
		} catch (error) {
			this.error = error instanceof Error ? error.message : String(error);
		}
	}

	async restart(): Promise<void> {
		this.status = await ServerService.restart();
	}
}

export const serverStore = new ServerStore();
