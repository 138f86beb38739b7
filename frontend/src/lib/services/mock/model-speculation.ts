import type { BridgeFieldError, ModelInfo, ModelSettings } from '$lib/types';

/**
 * The backend's checks of a model's speculative decoding settings (`ModelSettings` and
 * `check_draft`), with its wording and field paths, for the mock's models. Their tokenizers
 * stand in for what each GGUF header says: the Llama 3 models share one, as in reality.
 */

const TOKENIZERS: Record<string, string> = {
	'qwen25-7b-instruct-q4km': 'qwen2',
	'smollm2-360m-instruct-q8': 'smollm',
	'llama32-3b-instruct-q8': 'llama3',
	'llama31-70b-instruct-q4km': 'llama3',
	'gemma3-4b-it-q4km': 'gemma3'
};

const SIZED = ['ngram-simple', 'ngram-map-k', 'ngram-map-k4v', 'ngram-mod'];
const MAX_SIZE = 256;
/** ngram-simple's lookup length: a shorter draft length never drafts. */
const NGRAM_SIMPLE_LOOKUP = 12;

function bound(field: string, value: number, min: number): BridgeFieldError | null {
	if (!Number.isInteger(value)) return { field, message: 'Input should be a valid integer' };
	if (value < min) return { field, message: `Input should be greater than or equal to ${min}` };
	if (value > MAX_SIZE)
		return { field, message: `Input should be less than or equal to ${MAX_SIZE}` };
	return null;
}

function maxError(settings: ModelSettings): BridgeFieldError | null {
	const value = settings.draft_max;
	if (value === null || value === undefined) return null;
	const field = 'settings.draft_max';
	const out = bound(field, value, 1);
	if (out) return out;
	if (settings.speculation === 'ngram-simple' && value < NGRAM_SIMPLE_LOOKUP)
		return {
			field,
			message: `ngram-simple drafts nothing below its ${NGRAM_SIMPLE_LOOKUP}-token lookup; set ${NGRAM_SIMPLE_LOOKUP} or more`
		};
	if (settings.draft_model_id || SIZED.includes(settings.speculation ?? '')) return null;
	if (!settings.speculation)
		return { field, message: 'a draft size needs n-gram speculation or a draft model' };
	return {
		field,
		message: `${settings.speculation} drafts a fixed 8 tokens; its size cannot be set`
	};
}

function minError(settings: ModelSettings): BridgeFieldError | null {
	const value = settings.draft_min;
	if (value === null || value === undefined) return null;
	const field = 'settings.draft_min';
	const out = bound(field, value, 0);
	if (out) return out;
	if (!settings.draft_model_id && settings.speculation !== 'ngram-mod')
		return { field, message: 'a minimum draft size needs a draft model or ngram-mod' };
	const most = settings.draft_max;
	if (typeof most === 'number' && value > most)
		return { field, message: `the minimum must not exceed the maximum (${most})` };
	return null;
}

/** The draft size errors pydantic would report, by field. */
export function speculationErrors(settings: ModelSettings): BridgeFieldError[] {
	return [maxError(settings), minError(settings)].filter((error) => error !== null);
}

/** Why `draftId` cannot draft for `target` (`check_draft`), or null when it can. */
export function draftRefusal(
	target: ModelInfo,
	draftId: string,
	models: ModelInfo[]
): string | null {
	const draft = models.find((model) => model.id === draftId);
	if (!draft) return `There is no listed model with id '${draftId}' to draft with.`;
	if (draft.error) return `${draft.name} cannot be loaded, so it cannot draft: ${draft.error}`;
	const want = TOKENIZERS[target.id] ?? 'unknown';
	const have = TOKENIZERS[draft.id] ?? 'unknown';
	if (want === have) return null;
	return (
		`${draft.name} cannot draft for ${target.name}: its tokenizer is ${have}, not ${want}. ` +
		"A draft model must share the model's vocabulary (usually a smaller model of the same family)."
	);
}
