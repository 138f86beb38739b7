import type { LocalApiStatus } from '$lib/types';

/** A port the mock pretends another program holds, so tests can see the backend's failure. */
export const MOCK_TAKEN_PORT = 11434;

function mockKey(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(32));
	return `ldk-${btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, (c) => ({ '+': '-', '/': '_', '=': '' })[c] ?? '')}`;
}

/** The local API of the mock: running while its switch is on, failed on the taken port. */
export class MockLocalApi {
	private key = mockKey();

	/** The status the backend reports for these settings and the selected model's name. */
	status(settings: Record<string, unknown>, model: string | null): LocalApiStatus {
		const port = Number(settings.port ?? 7337);
		const base = {
			port,
			api_key: this.key,
			key_store: 'the file ~/.config/llamadesk/secrets.json (readable only by you)',
			model
		};
		if (settings.enabled !== true) return { ...base, state: 'off', url: null, error: null };
		if (port === MOCK_TAKEN_PORT)
			return {
				...base,
				state: 'failed',
				url: null,
				error: `Port ${port} on 127.0.0.1 is already in use by ollama (pid 4242): the local API cannot start. Choose another port in Settings → Local API, or stop that program.`
			};
		return { ...base, state: 'running', url: `http://127.0.0.1:${port}/v1`, error: null };
	}

	/** A new key; the old one is forgotten. */
	regenerate(): void {
		this.key = mockKey();
	}
}
