import type { BridgeError, Commands } from './bridge';
import type { BridgeEventHandler } from './events';

export type CommandName = keyof Commands;
export type CommandParams<K extends CommandName> = Commands[K]['params'];
export type CommandResult<K extends CommandName> = Commands[K]['result'];

/** What every command resolves with, whatever the transport. */
export type Envelope<T> = { ok: true; result: T } | { ok: false; error: BridgeError };

/** One way of reaching the backend: pywebview, HTTP or the in-page mock. */
export interface Transport {
	readonly kind: TransportKind;
	invoke<K extends CommandName>(
		name: K,
		params: CommandParams<K>
	): Promise<Envelope<CommandResult<K>>>;
	/** Start delivering backend events (for transports that pull them, e.g. SSE). */
	listen(handler: BridgeEventHandler): void;
}

export type TransportKind = 'pywebview' | 'http' | 'mock';
