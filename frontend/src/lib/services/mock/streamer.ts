import type { BridgeEvent, Message, PromptProgress, Timings, TokenProb } from '$lib/types';
import type { ScriptedReply } from './replies';
import type { LiveAnswer } from './tool-rounds';
import type { Usage } from './tree';

/** Tokens the mock pretends each prompt has. */
const PROMPT_TOKENS = 24;
/** Of which it pretends to find this many in the slot's cache. */
const CACHED_TOKENS = 12;
/** Like llama-server, the prompt is read in batches; each one is told (`stream_progress`). */
const PROMPT_BATCHES = 4;

export interface StreamHooks {
	emit: (event: BridgeEvent) => void;
	/**
	 * Store the message's new state and return the stored message. Only a complete answer has
	 * timings and usage: like llama-server, they come with the last chunk.
	 */
	update: (patch: Partial<Message>, usage?: Usage) => Message;
	/** Called after the stream's last event (stream_end or stream_error). */
	ended: (message: Message) => void;
	/** Called for a scripted crash, after the partial text was sent. */
	crash: () => void;
	/** The text is out and the reply calls tools: the stored message, for the round to go on. */
	toolRound: (message: Message) => void;
	/** When the conversation asks for token probabilities: the probability of each token. */
	probs?: (token: string, index: number) => TokenProb;
	/** Whether the model drafts tokens (speculative decoding): the timings then count them. */
	drafting?: boolean;
	/** A `failover` reply's text is out and its provider stopped: the stored message, and the
	 * tokens another provider would add. */
	failover?: (message: Message, rest: string[]) => void;
}

/** Send scripted tokens as coalesced deltas every `tickMs`, at `tokensPerSecond`. */
export class MockStream {
	private timer: ReturnType<typeof setInterval> | null = null;
	private sent = 0;
	private reasoningSent = 0;
	private content: string;
	private reasoning = '';
	private started: number;
	private readonly reading: number;
	private progress: PromptProgress | null = null;
	/** The answer's token probabilities (those it already had first), or null when not asked. */
	private probs: TokenProb[] | null;
	private thinkingSince: number | null = null;
	private reasoningMs: number | null = null;
	/** Set by `endThinking`: the rest of the scripted reasoning is skipped. */
	private thinkingEnded = false;

	constructor(
		readonly streamId: string,
		private readonly message: Message,
		private reply: ScriptedReply,
		private readonly tokensPerSecond: number,
		private readonly tickMs: number,
		private readonly hooks: StreamHooks,
		/** Simulated prompt processing before the first token. */
		firstTokenDelayMs = 0
	) {
		this.content = message.content;
		this.reading = Date.now();
		this.started = this.reading + firstTokenDelayMs;
		this.probs = hooks.probs ? [...(message.probs ?? [])] : null;
	}

	/** Whether the scripted reply is still thinking (reasoning sent, no word of the answer). */
	get thinking(): boolean {
		return this.thinkingSince !== null;
	}

	/** Stop thinking now, like llama-server's `reasoning_end`: the answer goes on. */
	endThinking(): boolean {
		if (!this.thinking) return false;
		this.thinkingEnded = true;
		return true;
	}

	private timeThinking(reasoning: string, content: string): void {
		const now = Date.now();
		if (reasoning && this.thinkingSince === null && this.reasoningMs === null)
			this.thinkingSince = now;
		if (this.thinkingSince === null) return;
		this.reasoningMs = now - this.thinkingSince;
		if (content) this.thinkingSince = null;
	}

	private tokenProbs(from: number, to: number): TokenProb[] {
		const probs = this.hooks.probs;
		if (!probs || !this.probs) return [];
		const fresh = this.reply.tokens.slice(from, to).map((token, n) => probs(token, from + n));
		this.probs.push(...fresh);
		return fresh;
	}

	start(): void {
		if (this.started > this.reading) this.read();
		this.timer = setInterval(() => this.tick(), this.tickMs);
	}

	/** The answer as it is now (a page opening the conversation mid-answer sees this). */
	live(): LiveAnswer {
		return {
			stream: {
				stream_id: this.streamId,
				message_id: this.message.id,
				progress: this.progress,
				question: null
			},
			content: this.content,
			reasoning: this.reasoning,
			probs: this.probs ? [...this.probs] : null
		};
	}

	/** Before the first token: another batch of the prompt read, as llama-server reports it. */
	private read(): void {
		const elapsed = Date.now() - this.reading;
		const batch = Math.min(
			PROMPT_BATCHES,
			Math.floor((elapsed / (this.started - this.reading)) * PROMPT_BATCHES)
		);
		const processed = CACHED_TOKENS + Math.round((batch / PROMPT_BATCHES) * PROMPT_TOKENS);
		if (this.progress?.processed === processed) return;
		const total = CACHED_TOKENS + PROMPT_TOKENS;
		this.progress = { total, cache: CACHED_TOKENS, processed, time_ms: elapsed };
		this.hooks.emit({
			type: 'stream_progress',
			stream_id: this.streamId,
			conversation_id: this.message.conversation_id,
			message_id: this.message.id,
			progress: this.progress
		});
	}

	private due(): number {
		if (Date.now() < this.started) return 0;
		return Math.floor(((Date.now() - this.started) / 1000) * this.tokensPerSecond) + 1;
	}

	private tick(): void {
		if (Date.now() < this.started) return this.read();
		if (this.thinkingEnded) this.skipReasoning();
		const total = this.reply.reasoning.length + this.reply.tokens.length;
		const target = Math.min(this.due(), total);
		const reasoningTarget = Math.min(target, this.reply.reasoning.length);
		const reasoningDelta = this.reply.reasoning.slice(this.reasoningSent, reasoningTarget).join('');
		this.reasoningSent = reasoningTarget;
		const contentTarget = Math.max(0, target - this.reply.reasoning.length);
		const delta = this.reply.tokens.slice(this.sent, contentTarget).join('');
		const probs = this.tokenProbs(this.sent, contentTarget);
		this.sent = contentTarget;
		if (delta || reasoningDelta) {
			this.hooks.emit({
				type: 'stream_chunk',
				stream_id: this.streamId,
				conversation_id: this.message.conversation_id,
				message_id: this.message.id,
				content: delta,
				reasoning: reasoningDelta,
				offset: this.content.length,
				reasoning_offset: this.reasoning.length,
				probs
			});
			this.content += delta;
			this.reasoning += reasoningDelta;
			this.progress = null;
			this.timeThinking(reasoningDelta, delta);
		}
		if (target >= total) this.finish();
	}

	private timings(): Timings {
		const predicted_ms = Math.max(0, Date.now() - this.started);
		const predicted_n = this.sent;
		// Like llama-server: drafted tokens appear only when some were drafted.
		const draft_n = this.hooks.drafting ? Math.ceil(predicted_n * 0.8) : 0;
		return {
			prompt_n: PROMPT_TOKENS,
			prompt_ms: 35,
			cache_n: 12,
			predicted_n,
			predicted_ms,
			predicted_per_second: predicted_ms > 0 ? (predicted_n * 1000) / predicted_ms : null,
			draft_n: draft_n || null,
			draft_n_accepted: draft_n ? Math.floor(draft_n * 0.6) : null
		};
	}

	/** Drop the reasoning not sent yet; the answer's words come next, at the same pace. */
	private skipReasoning(): void {
		this.thinkingEnded = false;
		this.reply = { ...this.reply, reasoning: this.reply.reasoning.slice(0, this.reasoningSent) };
		this.started = Date.now() - (this.reasoningSent / this.tokensPerSecond) * 1000;
	}

	private halt(): void {
		if (this.timer) clearInterval(this.timer);
		this.timer = null;
	}

	private finish(): void {
		this.halt();
		const base = {
			content: this.content,
			reasoning: this.reasoning,
			probs: this.probs,
			reasoning_ms: this.reasoningMs
		};
		const conversation_id = this.message.conversation_id;
		if (this.reply.outcome === 'failover' && this.hooks.failover) {
			this.hooks.failover(this.hooks.update(base), this.reply.rest ?? []);
			return;
		}
		if (this.reply.outcome === 'complete') {
			const usage = {
				prompt_tokens: PROMPT_TOKENS,
				completion_tokens: this.sent,
				total_tokens: PROMPT_TOKENS + this.sent
			};
			if (this.reply.toolCalls) {
				this.hooks.toolRound(this.hooks.update({ ...base, timings: this.timings() }, usage));
				return;
			}
			const message = this.hooks.update(
				{ ...base, status: 'complete', timings: this.timings() },
				usage
			);
			this.hooks.emit({ type: 'stream_end', stream_id: this.streamId, conversation_id, message });
			this.hooks.ended(message);
			return;
		}
		const crashed = this.reply.outcome === 'crash';
		const error = {
			code: crashed ? ('server_unavailable' as const) : ('server_error' as const),
			message: crashed ? 'The server crashed while answering.' : 'The server returned an error.',
			detail: null,
			fields: []
		};
		const message = this.hooks.update({ ...base, status: 'error', error: error.message });
		this.hooks.emit({
			type: 'stream_error',
			stream_id: this.streamId,
			conversation_id,
			message,
			error
		});
		this.hooks.ended(message);
		if (crashed) this.hooks.crash();
	}

	/** Stop generation: keep the partial text, mark it cancelled. */
	cancel(): void {
		if (!this.timer) return;
		this.halt();
		const message = this.hooks.update({
			content: this.content,
			reasoning: this.reasoning,
			probs: this.probs,
			reasoning_ms: this.reasoningMs,
			status: 'cancelled'
		});
		this.hooks.emit({
			type: 'stream_end',
			stream_id: this.streamId,
			conversation_id: this.message.conversation_id,
			message
		});
		this.hooks.ended(message);
	}

	get active(): boolean {
		return this.timer !== null;
	}
}
