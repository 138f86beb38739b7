import { dev } from '$app/environment';
import { connectBridge } from '$lib/services/bootstrap';

/** Runs before SvelteKit loads the route: connect the bridge, then ask for the first screen. */
export async function init(): Promise<void> {
	connectBridge(window, dev);
	// Imported here, not statically, so the bridge's event sink is installed before the
	// stores' code runs; awaited, so their start-up commands leave before the route mounts.
	const { loadStartState } = await import('$lib/stores');
	loadStartState();
}
