import type { BridgeEvent, ModelInfo, ServerStatus } from '$lib/types';

const GIB = 1024 ** 3;

export function mockModels(withModels: boolean): ModelInfo[] {
	if (!withModels) return [];
	return [
		{
			id: 'qwen2.5-7b-instruct-q4_k_m',
			name: 'Qwen2.5 7B Instruct Q4_K_M',
			path: '/models/qwen2.5-7b-instruct-q4_k_m.gguf',
			size_bytes: 4.7 * GIB,
			is_default: true,
			selected: true,
			error: null
		},
		{
			id: 'llama-3.2-3b-instruct-q8_0',
			name: 'Llama 3.2 3B Instruct Q8_0',
			path: '/models/llama-3.2-3b-instruct-q8_0.gguf',
			size_bytes: 3.4 * GIB,
			is_default: false,
			selected: false,
			error: null
		}
	].map((model) => ({ ...model, size_bytes: Math.round(model.size_bytes) }));
}

export function status(
	state: ServerStatus['state'],
	model: string | null,
	extra: Partial<ServerStatus> = {}
): ServerStatus {
	return {
		state,
		model,
		pid: state === 'ready' ? 4242 : null,
		port: state === 'ready' ? 8089 : null,
		uptime_s: state === 'ready' ? 1 : null,
		elapsed_s: 0,
		restarts: 0,
		last_error: null,
		hint: null,
		...extra
	};
}

export const CRASH_ERROR = 'llama-server exited with signal 9 (SIGKILL)';
export const CRASH_HINT = 'The system may have run out of memory: try a smaller model or context.';

/** The status events of a crash followed by an automatic restart, with their delays. */
export function crashSequence(model: string | null, restarts: number): [number, BridgeEvent][] {
	const crash = { last_error: CRASH_ERROR, hint: CRASH_HINT, restarts };
	return [
		[0, { type: 'server_status', status: status('crashed', model, crash) }],
		[400, { type: 'server_status', status: status('restarting', model, crash) }],
		[1200, { type: 'server_status', status: status('ready', model, { restarts: restarts + 1 }) }]
	];
}

export const MOCK_LOG_LINES = Array.from(
	{ length: 400 },
	(_, index) => `[mock] llama-server log line ${index + 1}: slot update, n_tokens = ${index * 16}`
);
