import { HTTP_API_PREFIX, HTTP_EVENTS_PATH, QUERY_TOKEN } from '$lib/constants/bridge';
import type {
	BridgeError,
	BridgeEvent,
	BridgeEventHandler,
	CommandName,
	CommandParams,
	CommandResult,
	Envelope,
	Transport
} from '$lib/types';

interface HttpErrorBody {
	error?: BridgeError;
}

function httpFailure(status: number, body: HttpErrorBody | null): Envelope<never> {
	if (body?.error) return { ok: false, error: body.error };
	return {
		ok: false,
		error: { code: 'internal', message: `HTTP ${status}`, detail: null, fields: [] }
	};
}

async function readJson(response: Response): Promise<unknown> {
	try {
		return await response.json();
	} catch {
		return null;
	}
}

/** Browser mode: `POST /api/<name>` with a bearer token; events from `/api/events` (SSE). */
export function createHttpTransport(token: string, fetcher: typeof fetch = fetch): Transport {
	return {
		kind: 'http',
		async invoke<K extends CommandName>(name: K, params: CommandParams<K>) {
			const response = await fetcher(`${HTTP_API_PREFIX}${name}`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
				body: JSON.stringify(params)
			});
			const body = await readJson(response);
			if (!response.ok) return httpFailure(response.status, body as HttpErrorBody | null);
			return body as Envelope<CommandResult<K>>;
		},
		listen(handler: BridgeEventHandler) {
			const url = `${HTTP_EVENTS_PATH}?${QUERY_TOKEN}=${encodeURIComponent(token)}`;
			const source = new EventSource(url);
			source.onmessage = (message: MessageEvent<string>) => {
				try {
					handler(JSON.parse(message.data) as BridgeEvent);
				} catch (error) {
					console.error('bad event from the backend', error);
				}
			};
		}
	};
}
