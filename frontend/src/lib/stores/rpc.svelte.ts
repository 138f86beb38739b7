import { RPC_SETTING, RPC_STATUS_EVENT } from '$lib/constants/rpc';
import { BridgeEvents } from '$lib/services/events';
import { RpcService } from '$lib/services/rpc';
import type { RpcStatus, RpcWorker } from '$lib/types';
import { settingsStore } from './settings.svelte';
import { messageOf } from '$lib/services/bridge-error';

/** The RPC workers: the list (settings), each one's state (the backend's checks), the local one. */
export class RpcStore {
	status = $state<RpcStatus | null>(null);
	isChecking = $state(false);
	error = $state<string | null>(null);

	/** The workers as the settings hold them. */
	readonly workers = $derived(
		((settingsStore.config?.values.rpc as { workers?: RpcWorker[] } | undefined)?.workers ??
			[]) as RpcWorker[]
	);

	constructor() {
		BridgeEvents.subscribe((event) => {
			if (event.type === RPC_STATUS_EVENT) this.status = event.status;
		});
	}

	/** The state the last check found for `address`, if any. */
	stateOf(address: string): RpcStatus['workers'][number] | undefined {
		return this.status?.workers.find((worker) => worker.address === address);
	}

	async load(): Promise<void> {
		try {
			this.status = await RpcService.status();
			this.error = null;
		} catch (error) {
			this.error = messageOf(error);
		}
	}

	async check(): Promise<void> {
		this.isChecking = true;
		try {
			this.status = await RpcService.check();
			this.error = null;
		} catch (error) {
			this.error = messageOf(error);
		} finally {
			this.isChecking = false;
		}
	}

	/** Save a new worker list; false (with the settings' error) when refused. */
	async saveWorkers(workers: RpcWorker[]): Promise<boolean> {
		// Plain objects: the list holds the settings' reactive proxies, which cannot cross the bridge.
		return this.save({ [RPC_SETTING.workers]: $state.snapshot(workers) });
	}

	add(address: string): Promise<boolean> {
		if (this.workers.some((worker) => worker.address === address)) return Promise.resolve(true);
		return this.saveWorkers([...this.workers, { address, enabled: true }]);
	}

	remove(address: string): Promise<boolean> {
		return this.saveWorkers(this.workers.filter((worker) => worker.address !== address));
	}

	setEnabled(address: string, enabled: boolean): Promise<boolean> {
		return this.saveWorkers(
			this.workers.map((worker) => (worker.address === address ? { ...worker, enabled } : worker))
		);
	}

	/** Save RPC settings; false (with the settings' error here) when refused. */
	async save(leaves: Record<string, unknown>): Promise<boolean> {
		const saved = await settingsStore.saveConfig(leaves);
		if (saved === null) {
			this.error = settingsStore.error;
			return false;
		}
		await this.load();
		return true;
	}
}

export const rpcStore = new RpcStore();
