import type { BridgeEvent, BridgeEventHandler } from '$lib/types';

const handlers = new Set<BridgeEventHandler>();

/** Fan-out of backend events to the stores. Stateless apart from the subscriber set. */
export const BridgeEvents = {
	subscribe(handler: BridgeEventHandler): () => void {
		handlers.add(handler);
		return () => handlers.delete(handler);
	},

	dispatch(event: BridgeEvent): void {
		for (const handler of handlers) {
			try {
				handler(event);
			} catch (error) {
				console.error('bridge event handler failed', event.type, error);
			}
		}
	},

	/** Install `window.llamadesk.emit` so the backend (or the mock) can push events. */
	install(target: Window): void {
		target.llamadesk = { emit: (event) => BridgeEvents.dispatch(event) };
	}
};
