import { BridgeEvents } from './events';
import { useTransport } from './ipc';
import { createTransport } from './transports/select';

/**
 * Start-up: install `window.llamadesk.emit` first (events may arrive before the bridge is
 * ready), then choose and connect the transport. Calls made meanwhile wait for it.
 */
export function connectBridge(target: Window, dev: boolean): void {
	BridgeEvents.install(target);
	const url = new URL(target.location.href);
	useTransport(createTransport(url, target, dev)).catch((error: unknown) => {
		console.error('could not connect to the backend', error);
	});
}
