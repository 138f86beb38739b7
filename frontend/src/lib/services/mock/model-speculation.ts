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

/** LlamaDesk's sizes for an empty field (`contract.NGRAM_SIZES`), by method. */
const SIMPLE = { lookup: 6, max: 8, min: null };
const MOD = { lookup: 8, max: 8, min: 2 };
const SIZES: Record<string, { lookup: number; max: number; min: number | null }> = {
	'ngram-simple': SIMPLE,
	'ngram-map-k': SIMPLE,
	'ngram-map-k4v': SIMPLE,
	'ngram-mod': MOD
};
const MAX_SIZE = 256;
const MAX_LOOKUP = 64;

function bound(field: string, value: number, min: number, max = MAX_SIZE): BridgeFieldError | null {
	if (!Number.isInteger(value)) return { field, message: 'Input should be a valid integer' };
	if (value < min) return { field, message: `Input should be greater than or equal to ${min}` };
	if (value > max) return { field, message: `Input should be less than or equal to ${max}` };
	return null;
}

const given = (value: number | null | undefined): value is number =>
	value !== null && value !== undefined;

function lookupError(settings: ModelSettings): BridgeFieldError | null {
	const value = settings.ngram_lookup;
	if (!given(value)) return null;
	const field = 'settings.ngram_lookup';
	const out = bound(field, value, 1, MAX_LOOKUP);
	if (out) return out;
	if (SIZES[settings.speculation ?? '']) return null;
	if (!settings.speculation) return { field, message: 'a lookup length needs n-gram speculation' };
	return { field, message: `${settings.speculation} has no lookup length` };
}

function maxError(settings: ModelSettings): BridgeFieldError | null {
	const value = settings.draft_max;
	const field = 'settings.draft_max';
	if (given(value)) {
		const out = bound(field, value, 1);
		if (out) return out;
		if (!settings.draft_model_id && !SIZES[settings.speculation ?? '']) {
			if (!settings.speculation)
				return { field, message: 'a draft size needs n-gram speculation or a draft model' };
			return {
				field,
				message: `${settings.speculation} drafts a fixed 8 tokens; its size cannot be set`
			};
		}
	}
	if (settings.speculation !== 'ngram-simple') return null;
	const most = given(value) ? value : SIMPLE.max;
	const lookup = settings.ngram_lookup || SIMPLE.lookup;
	if (most >= lookup) return null;
	return {
		field,
		message: `ngram-simple drafts nothing when its draft (${most}) is shorter than its ${lookup}-token lookup; set ${lookup} or more, or a shorter lookup`
	};
}

function minError(settings: ModelSettings): BridgeFieldError | null {
	const value = settings.draft_min;
	const field = 'settings.draft_min';
	const own = settings.speculation === 'ngram-mod';
	if (given(value)) {
		const out = bound(field, value, 0);
		if (out) return out;
		if (!settings.draft_model_id && !own)
			return { field, message: 'a minimum draft size needs a draft model or ngram-mod' };
	}
	const fewest = given(value) || !own ? value : MOD.min;
	const most = given(settings.draft_max) || !own ? settings.draft_max : MOD.max;
	if (given(fewest) && given(most) && fewest > most)
		return { field, message: `the minimum must not exceed the maximum (${most})` };
	return null;
}

/** The size errors pydantic would report, by field, in the backend's field order. */
export function speculationErrors(settings: ModelSettings): BridgeFieldError[] {
	return [lookupError(settings), maxError(settings), minError(settings)].filter(
		(error) => error !== null
	);
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
