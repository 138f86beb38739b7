import { conversationsStore } from './conversations.svelte';
import { failoverStore } from './failover.svelte';
import { modelsStore } from './models.svelte';
import { serverStore } from './server.svelte';
import { settingsStore } from './settings.svelte';
import { storageStore } from './storage.svelte';

/**
 * Ask the backend for what the first screen shows (server status, models, the sidebar's first
 * page, settings, a database recovery, fall-backs in force). Called from the client hook as
 * soon as the bridge is chosen, before SvelteKit loads and mounts the route, so the answers
 * travel while the page renders instead of after it; calls made before the transport is
 * ready wait for it.
 */
export function loadStartState(): void {
	void serverStore.load();
	void modelsStore.load();
	void conversationsStore.load();
	void settingsStore.loadConfig();
	void storageStore.loadRecovery();
	void failoverStore.load();
}
