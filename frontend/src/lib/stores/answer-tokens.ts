import { SvelteMap } from 'svelte/reactivity';
import type { Message, TokenProb } from '$lib/types';

const NONE: readonly TokenProb[] = Object.freeze([]);

/**
 * The token probabilities of the shown messages, by message, kept out of the messages' deep
 * `$state` proxy. An answer with probabilities brings an object per token, each with its
 * alternatives, that nothing edits afterwards; proxying each one as it arrived (a proxy, a
 * signal per index, a new length) was most of what probabilities added to a streaming update,
 * and most of its garbage. Here a message's list is a plain array that grows in place and its
 * length is the one signal: `count` subscribes to it.
 */
export class AnswerTokens {
	readonly #lists = new Map<string, TokenProb[]>();
	readonly #counts = new SvelteMap<string, number>();

	/** How many tokens of the message have probabilities (reactive). */
	count(messageId: string): number {
		return this.#counts.get(messageId) ?? 0;
	}

	/** The message's tokens; the array grows in place, so read `count` to follow it. */
	list(messageId: string): readonly TokenProb[] {
		return this.#lists.get(messageId) ?? NONE;
	}

	/**
	 * The message as the store keeps it: its probabilities (when it brings them; they are the
	 * whole list so far and replace any held) move here, and the message keeps `probs: null`.
	 * The list is the message's own array: messages come from the bridge, fresh from JSON.
	 */
	adopt(message: Message): Message {
		if (!message.probs) return message;
		this.#lists.set(message.id, message.probs);
		this.#counts.set(message.id, message.probs.length);
		return { ...message, probs: null };
	}

	/** Tokens streamed after those held for the message. */
	append(messageId: string, fresh: TokenProb[]): void {
		if (fresh.length === 0) return;
		const list = this.#lists.get(messageId);
		if (list) list.push(...fresh);
		else this.#lists.set(messageId, fresh);
		this.#counts.set(messageId, (list ?? fresh).length);
	}

	/** Let go of every list (another conversation, or a fresh view of this one). */
	clear(): void {
		this.#lists.clear();
		this.#counts.clear();
	}
}
