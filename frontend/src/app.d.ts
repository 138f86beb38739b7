// See https://svelte.dev/docs/kit/types#app.d.ts
import type { BridgeEvent } from '$lib/types';

declare global {
	interface Window {
		/** Injected by pywebview; `api` is `{}` until the `pywebviewready` event. */
		pywebview?: { api: Record<string, ((params: unknown) => Promise<unknown>) | undefined> };
		/** Installed by the page at start-up; the backend calls `emit` once per event. */
		llamadesk?: { emit: (event: BridgeEvent) => void };
	}
}

export {};
