import type { BridgeEvent, Transport } from '$lib/types';
import { MockBackend, type MockOptions } from '../mock';

/** The in-page mock backend; it pushes events through `window.llamadesk.emit` like Python does. */
export function createMockTransport(target: Window, options: Omit<MockOptions, 'emit'>): Transport {
	const emit = (event: BridgeEvent) => target.llamadesk?.emit(event);
	const backend = new MockBackend({ ...options, emit });
	return {
		kind: 'mock',
		invoke: (name, params) => backend.invoke(name, params),
		listen() {
			// The mock emits through window.llamadesk directly.
		}
	};
}
