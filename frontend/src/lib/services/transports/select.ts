import {
	BRIDGE_MOCK,
	QUERY_BRIDGE,
	QUERY_MOCK_MODEL,
	QUERY_MOCK_DELAY,
	QUERY_MOCK_HEAL,
	QUERY_MOCK_LOAD,
	QUERY_MOCK_RATE,
	QUERY_MOCK_RECOVERY,
	QUERY_MOCK_TOOL_CALL,
	QUERY_MOCK_TOOL_START,
	QUERY_MOCK_TOOLS,
	QUERY_TOKEN,
	MOCK_TOOLS_DEMO
} from '$lib/constants/bridge';
import type { Transport, TransportKind } from '$lib/types';
import { BridgeEvents } from '../events';
import { createHttpTransport } from './http';
import { createPywebviewTransport, waitForPywebview } from './pywebview';

const DEFAULT_MOCK_RATE = 60;
const DEFAULT_MOCK_DELAY_MS = 300;

/** Which transport the page URL and environment ask for. */
export function chooseTransport(url: URL, target: Window, dev: boolean): TransportKind {
	if (url.searchParams.get(QUERY_BRIDGE) === BRIDGE_MOCK) return 'mock';
	if (url.searchParams.get(QUERY_TOKEN)) return 'http';
	if (target.pywebview || !dev) return 'pywebview';
	return 'mock';
}

/** Build the transport chosen at start-up and start listening for events. */
export async function createTransport(url: URL, target: Window, dev: boolean): Promise<Transport> {
	const kind = chooseTransport(url, target, dev);
	let transport: Transport;
	if (kind === 'http') {
		transport = createHttpTransport(url.searchParams.get(QUERY_TOKEN) ?? '');
	} else if (kind === 'mock') {
		// Loaded only when asked for, so the page every user loads holds none of the mock.
		const { createMockTransport } = await import('./mock');
		const rate = Number(url.searchParams.get(QUERY_MOCK_RATE) ?? DEFAULT_MOCK_RATE);
		transport = createMockTransport(target, {
			tokensPerSecond: Number.isFinite(rate) && rate > 0 ? rate : DEFAULT_MOCK_RATE,
			withModels: url.searchParams.get(QUERY_MOCK_MODEL) !== 'none',
			firstTokenDelayMs:
				Number(url.searchParams.get(QUERY_MOCK_DELAY) ?? DEFAULT_MOCK_DELAY_MS) || 0,
			recovered: url.searchParams.has(QUERY_MOCK_RECOVERY),
			modelLoadMs: Number(url.searchParams.get(QUERY_MOCK_LOAD) ?? 0) || undefined,
			toolStartMs: Number(url.searchParams.get(QUERY_MOCK_TOOL_START) ?? 0) || undefined,
			toolCallMs: Number(url.searchParams.get(QUERY_MOCK_TOOL_CALL) ?? 0) || undefined,
			failoverHealMs: Number(url.searchParams.get(QUERY_MOCK_HEAL) ?? 0) || undefined,
			demoToolServer:
				(url.searchParams.get(QUERY_MOCK_TOOLS) ?? (dev ? MOCK_TOOLS_DEMO : null)) ===
				MOCK_TOOLS_DEMO
		});
	} else {
		await waitForPywebview(target);
		transport = createPywebviewTransport(target);
	}
	transport.listen((event) => BridgeEvents.dispatch(event));
	return transport;
}
