import type { BridgeError, CommandName, DownloadInfo, ModelInfo, Transport } from '$lib/types';
import { fakeTransport } from './fake-transport';

/** A valid, unloaded model for store tests. */
export function modelInfo(id: string, extra: Partial<ModelInfo> = {}): ModelInfo {
	return {
		id,
		name: id,
		path: `/models/${id}.gguf`,
		size_bytes: 1024,
		is_default: false,
		selected: false,
		error: null,
		architecture: 'llama',
		parameters: null,
		quantization: null,
		context_length: null,
		has_chat_template: true,
		source: 'folder',
		projector: null,
		fit: null,
		load_state: 'unloaded',
		...extra
	};
}

/** A running download for store tests. */
export function downloadInfo(id: string, extra: Partial<DownloadInfo> = {}): DownloadInfo {
	return {
		id,
		url: `https://example.com/${id}`,
		path: `/models/${id}`,
		status: 'running',
		bytes_done: 0,
		total: 100,
		rate_bps: null,
		eta_s: null,
		error: null,
		sha256: null,
		...extra
	};
}

export function bridgeError(message: string, extra: Partial<BridgeError> = {}): BridgeError {
	return { code: 'invalid_argument', message, detail: null, fields: [], ...extra };
}

/** `fakeTransport` whose listed commands answer with an error envelope instead. */
export function failingTransport(
	responders: Parameters<typeof fakeTransport>[0],
	failures: Partial<Record<CommandName, BridgeError>>
): ReturnType<typeof fakeTransport> {
	const inner = fakeTransport(responders);
	const invoke: Transport['invoke'] = async (name, params) => {
		const failure = failures[name];
		if (!failure) return inner.invoke(name, params);
		inner.calls.push([name, params]);
		return { ok: false, error: failure };
	};
	return { ...inner, invoke };
}
