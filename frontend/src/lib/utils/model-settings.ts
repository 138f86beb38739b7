import type { ModelSettings } from '$lib/types';

/** The n-gram methods the pinned llama-server offers (`--spec-type`), as the settings name them. */
export type NgramSpeculation = NonNullable<ModelSettings['speculation']>;

/** LlamaDesk's sizes for an n-gram method whose fields are left empty (`contract.NGRAM_SIZES`,
 * tuned on a CPU, where a refused long draft costs more than it saves); null: not settable. */
export interface NgramSizes {
	lookup: number | null;
	max: number | null;
	min: number | null;
}

/** The method the settings recommend (`contract.RECOMMENDED_NGRAM`). */
export const RECOMMENDED_NGRAM: NgramSpeculation = 'ngram-mod';

/** Each n-gram method, in a few words, with LlamaDesk's sizes; the recommended one first. */
export const NGRAM_METHODS: ({ value: NgramSpeculation; label: string } & NgramSizes)[] = [
	{
		value: 'ngram-mod',
		label: 'ngram-mod: matches by a rolling hash (recommended)',
		lookup: 8,
		max: 8,
		min: 2
	},
	{
		value: 'ngram-map-k',
		label: 'ngram-map-k: what followed before, shortened when refused',
		lookup: 6,
		max: 8,
		min: null
	},
	{
		value: 'ngram-simple',
		label: 'ngram-simple: what followed the last words',
		lookup: 6,
		max: 8,
		min: null
	},
	{
		value: 'ngram-map-k4v',
		label: 'ngram-map-k4v: the most frequent of four continuations',
		lookup: 6,
		max: 8,
		min: null
	},
	{
		value: 'ngram-cache',
		label: 'ngram-cache: needs a static lookup cache file',
		lookup: null,
		max: null,
		min: null
	}
];

/** A draft model's default sizes (`--spec-draft-n-max`, `--spec-draft-n-min`). */
const DRAFT_MODEL_SIZES = { max: 3, min: 0 };

/** The placeholders of the size fields: the size used when the field is empty (LlamaDesk's for
 * an n-gram method, llama-server's for a draft model), or why it does not apply. A draft model's
 * sizes win when both ways are on; the lookup is the n-gram method's alone. */
export function draftSizePlaceholders(form: ModelSettingsForm): {
	lookup: string;
	max: string;
	min: string;
} {
	const method = NGRAM_METHODS.find((entry) => entry.value === form.speculation);
	const off = 'needs speculation on';
	const shown = (value: number | null | undefined, whose: string) =>
		value === null || value === undefined
			? `not used by ${method?.value}`
			: `${value} (${whose} default)`;
	const lookup = method ? shown(method.lookup, 'LlamaDesk') : 'needs n-gram speculation';
	if (form.draft_model_id) {
		return {
			lookup,
			max: shown(DRAFT_MODEL_SIZES.max, 'llama-server'),
			min: shown(DRAFT_MODEL_SIZES.min, 'llama-server')
		};
	}
	if (!method) return { lookup, max: off, min: off };
	return { lookup, max: shown(method.max, 'LlamaDesk'), min: shown(method.min, 'LlamaDesk') };
}

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
	/** The n-gram method, or empty for none. */
	speculation: '' | NgramSpeculation;
	/** The id of the listed model that drafts, or empty for none. */
	draft_model_id: string;
	/** Tokens matched before an n-gram draft. */
	ngram_lookup: string;
	draft_max: string;
	draft_min: string;
}

export const NUMBER_FIELDS = ['context_size', 'threads', 'gpu_layers'] as const;

export function toForm(settings: ModelSettings): ModelSettingsForm {
	return {
		context_size: settings.context_size?.toString() ?? '',
		threads: settings.threads?.toString() ?? '',
		gpu_layers: settings.gpu_layers?.toString() ?? '',
		chat_template_file: settings.chat_template_file ?? '',
		mmproj_file: settings.mmproj_file ?? '',
		extra_args: settings.extra_args?.join('\n') ?? '',
		speculation: settings.speculation ?? '',
		draft_model_id: settings.draft_model_id ?? '',
		ngram_lookup: settings.ngram_lookup?.toString() ?? '',
		draft_max: settings.draft_max?.toString() ?? '',
		draft_min: settings.draft_min?.toString() ?? ''
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
		extra_args: args.length > 0 ? args : null,
		speculation: form.speculation || null,
		draft_model_id: form.draft_model_id || null,
		ngram_lookup: number(form.ngram_lookup),
		draft_max: number(form.draft_max),
		draft_min: number(form.draft_min)
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
		extra_args: args.join('\n'),
		speculation: '',
		draft_model_id: '',
		ngram_lookup: '',
		draft_max: '',
		draft_min: ''
	};
}
