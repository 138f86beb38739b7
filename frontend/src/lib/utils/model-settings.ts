import type { ModelSettings } from '$lib/types';

/** The per-model settings form: one text per field, empty meaning "inherit". */
export interface ModelSettingsForm {
	context_size: string;
	threads: string;
	gpu_layers: string;
	/** A Jinja chat template file to use instead of the model's own. */
	chat_template_file: string;
	/** A vision projector (mmproj GGUF) instead of the one found beside the model. */
	mmproj_file: string;
	/** One llama-server argument per line. */
	extra_args: string;
}

export const NUMBER_FIELDS = ['context_size', 'threads', 'gpu_layers'] as const;

export function toForm(settings: ModelSettings): ModelSettingsForm {
	return {
		context_size: settings.context_size?.toString() ?? '',
		threads: settings.threads?.toString() ?? '',
		gpu_layers: settings.gpu_layers?.toString() ?? '',
		chat_template_file: settings.chat_template_file ?? '',
		mmproj_file: settings.mmproj_file ?? '',
		extra_args: settings.extra_args?.join('\n') ?? ''
	};
}

function number(text: string): number | null {
	const trimmed = text.trim();
	return trimmed === '' || !Number.isFinite(Number(trimmed)) ? null : Number(trimmed);
}

/** The settings to save: empty fields (and an empty argument list) inherit the engine's. */
export function fromForm(form: ModelSettingsForm): ModelSettings {
	const args = form.extra_args
		.split('\n')
		.map((line) => line.trim())
		.filter(Boolean);
	return {
		context_size: number(form.context_size),
		threads: number(form.threads),
		gpu_layers: number(form.gpu_layers),
		chat_template_file: form.chat_template_file.trim() || null,
		mmproj_file: form.mmproj_file.trim() || null,
		extra_args: args.length > 0 ? args : null
	};
}

/** The engine settings a model inherits, as placeholders (`4096 (engine)`). */
export function inheritedForm(values: Record<string, unknown> | undefined): ModelSettingsForm {
	const engine = (values?.engine ?? {}) as Record<string, unknown>;
	const shown = (key: string): string =>
		engine[key] === undefined || engine[key] === null ? '' : `${engine[key]} (engine)`;
	const args = Array.isArray(engine.extra_args) ? engine.extra_args.map(String) : [];
	return {
		context_size: shown('context_size'),
		threads: shown('threads'),
		gpu_layers: shown('gpu_layers'),
		chat_template_file: shown('chat_template_file'),
		mmproj_file: '',
		extra_args: args.join('\n')
	};
}
