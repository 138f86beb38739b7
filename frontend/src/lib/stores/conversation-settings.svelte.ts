import { ERROR_CODE } from '$lib/constants/bridge';
import { BridgeCallError } from '$lib/services/bridge-error';
import { ConversationService } from '$lib/services/conversations';
import type { ConversationOptions } from '$lib/types';

/** What the panel edits: null or missing values fall back to the global settings. */
export interface ConversationSettingsDraft {
	system_prompt: string | null;
	params: Record<string, number>;
	options: ConversationOptions;
}

/** The sampling values a conversation may set, in the settings page's order. */
export const SAMPLING_FIELDS = [
	'temperature',
	'top_k',
	'top_p',
	'min_p',
	'max_tokens',
	'repeat_penalty',
	'seed'
] as const;

export function defaultOptions(): ConversationOptions {
	return { stop: [], token_probs: 0, reasoning_effort: null, reasoning_budget: null };
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/** The open conversation's own settings panel: load, save, reset to the global settings. */
export class ConversationSettingsStore {
	conversationId = $state<string | null>(null);
	saved = $state<ConversationSettingsDraft | null>(null);
	fieldErrors = $state<Record<string, string>>({});
	error = $state<string | null>(null);
	isSaving = $state(false);
	private seq = 0;

	/** Read the conversation's settings (the panel opens with them). */
	async load(conversationId: string): Promise<void> {
		const seq = ++this.seq;
		this.conversationId = conversationId;
		this.fieldErrors = {};
		this.error = null;
		try {
			const conversation = await ConversationService.get(conversationId);
			if (seq !== this.seq) return;
			this.saved = {
				system_prompt: conversation.system_prompt ?? null,
				params: Object.fromEntries(
					Object.entries(conversation.params ?? {}).filter(
						(entry): entry is [string, number] => typeof entry[1] === 'number'
					)
				),
				options: { ...defaultOptions(), ...conversation.options }
			};
		} catch (error) {
			if (seq === this.seq) this.error = describe(error);
		}
	}

	/** Save the draft; false (with field errors) when the backend refused it. */
	async save(draft: ConversationSettingsDraft): Promise<boolean> {
		const id = this.conversationId;
		if (!id) return false;
		this.isSaving = true;
		this.fieldErrors = {};
		this.error = null;
		try {
			const saved = await ConversationService.updateSettings(
				id,
				draft.system_prompt,
				draft.params,
				draft.options
			);
			this.saved = {
				system_prompt: saved.system_prompt ?? null,
				params: { ...draft.params },
				options: { ...defaultOptions(), ...saved.options }
			};
			return true;
		} catch (error) {
			if (error instanceof BridgeCallError && error.code === ERROR_CODE.invalidArgument)
				this.fieldErrors = Object.fromEntries(error.fields.map((f) => [f.field, f.message]));
			this.error = describe(error);
			return false;
		} finally {
			this.isSaving = false;
		}
	}

	/** Back to the global settings: no system prompt, sampling values or options of its own. */
	reset(): Promise<boolean> {
		return this.save({ system_prompt: null, params: {}, options: defaultOptions() });
	}
}

export const conversationSettingsStore = new ConversationSettingsStore();
