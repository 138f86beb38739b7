import type { BridgeEvent, ModelInfo, ServerStatus } from '$lib/types';

const GIB = 1024 ** 3;

const MOCK_CONTEXT = 4096;

function mockModel(
	id: string,
	name: string,
	gib: number,
	extra: Partial<ModelInfo> & { fits: boolean }
): ModelInfo {
	const size_bytes = Math.round(gib * GIB);
	const { fits, ...rest } = extra;
	return {
		id,
		name,
		path: `/models/${id}.gguf`,
		size_bytes,
		architecture: 'llama',
		context_length: 32768,
		parameters: null,
		quantization: null,
		has_chat_template: true,
		source: 'folder',
		is_default: false,
		selected: false,
		error: null,
		fit: {
			context_size: MOCK_CONTEXT,
			needed_bytes: size_bytes + 512 * 1024 ** 2,
			available_bytes: fits ? 16 * GIB : 4 * GIB,
			fits,
			warning: fits ? null : 'Needs more memory than is free: expect swapping.'
		},
		...rest
	};
}

export function mockModels(withModels: boolean): ModelInfo[] {
	if (!withModels) return [];
	return [
		mockModel('qwen2.5-7b-instruct-q4_k_m', 'Qwen2.5 7B Instruct Q4_K_M', 4.7, {
			architecture: 'qwen2',
			parameters: 7_600_000_000,
			quantization: 'Q4_K_M',
			is_default: true,
			selected: true,
			fits: true
		}),
		mockModel('llama-3.2-3b-instruct-q8_0', 'Llama 3.2 3B Instruct Q8_0', 3.4, {
			parameters: 3_200_000_000,
			quantization: 'Q8_0',
			fits: true
		}),
		mockModel('llama-3.1-70b-instruct-q4_k_m', 'Llama 3.1 70B Instruct Q4_K_M', 42.5, {
			parameters: 70_600_000_000,
			quantization: 'Q4_K_M',
			fits: false
		})
	];
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
