import type { BridgeEventOf, Message } from '$lib/types';

type Chunk = BridgeEventOf<'stream_chunk'>;

/** What of a chunk is new to the page: the text past what it has, or a gap before it. */
export type Accepted = { content: string; reasoning: string } | 'gap';

interface Received {
	content: number;
	reasoning: number;
}

/**
 * How much of each streaming message's text the page has received (shown or waiting for the
 * next frame), in UTF-16 code units as the backend counts in `offset`. A chunk may overlap what
 * the page already has (it opened the conversation while the answer streamed, so the text came
 * in the view and again in the chunks): only the part past it is new. A chunk that starts past
 * it means some text never arrived: the page must ask for the conversation again.
 */
export class StreamOffsets {
	private received = new Map<string, Received>();

	accept(message: Message, chunk: Chunk): Accepted {
		const have = this.received.get(message.id) ?? {
			content: message.content.length,
			reasoning: message.reasoning.length
		};
		if (chunk.offset > have.content || chunk.reasoning_offset > have.reasoning) return 'gap';
		const content = chunk.content.slice(have.content - chunk.offset);
		const reasoning = chunk.reasoning.slice(have.reasoning - chunk.reasoning_offset);
		this.received.set(message.id, {
			content: have.content + content.length,
			reasoning: have.reasoning + reasoning.length
		});
		return { content, reasoning };
	}

	/** Count from the message's text as shown now (a continued answer keeps its reasoning). */
	restart(message: Message): void {
		this.received.set(message.id, { content: message.content.length, reasoning: 0 });
	}

	/** Forget a message (its stream ended; its final text replaced what was received). */
	forget(messageId: string): void {
		this.received.delete(messageId);
	}

	/** Forget everything (the messages were replaced by a fresh view). */
	clear(): void {
		this.received.clear();
	}
}
