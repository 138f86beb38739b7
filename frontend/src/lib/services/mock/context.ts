import type { ContextUsage, Message } from '$lib/types';

/** The context of one of the mock's slots. */
export const MOCK_SLOT_CONTEXT = 2048;
/** What the mock's "chat template" adds per message (role markers). */
const TEMPLATE_TOKENS = 4;

/** The mock's tokenizer: one token per word. */
function tokens(text: string): number {
	return text.split(/\s+/).filter(Boolean).length;
}

/**
 * Like the backend's `get_context_usage`: the system prompt, the branch and the draft as the
 * next prompt, counted with the mock's tokenizer, against one slot.
 */
export function mockContextUsage(
	branch: Message[],
	systemPrompt: string,
	draft: string,
	behaviour: { maxTokens: number | null; dropOldestTurns: boolean }
): ContextUsage {
	const texts = [...(systemPrompt ? [systemPrompt] : []), ...branch.map((m) => m.content), draft];
	return {
		prompt_tokens: texts.reduce((sum, text) => sum + tokens(text) + TEMPLATE_TOKENS, 0),
		draft_tokens: tokens(draft),
		n_ctx: MOCK_SLOT_CONTEXT,
		max_tokens: behaviour.maxTokens,
		drop_oldest_turns: behaviour.dropOldestTurns
	};
}
