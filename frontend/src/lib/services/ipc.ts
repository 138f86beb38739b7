import type {
	CommandName,
	CommandParams,
	CommandResult,
	Transport,
	TransportKind
} from '$lib/types';
import { BridgeCallError } from './bridge-error';

let transport: Transport | null = null;
let pending: Promise<Transport> | null = null;

/** Choose the transport once at start-up (see `transports/select.ts`). */
export function useTransport(next: Transport | Promise<Transport>): Promise<Transport> {
	pending = Promise.resolve(next).then((resolved) => (transport = resolved));
	return pending;
}

/** Which transport carries the commands (null before one is chosen). */
export function transportKind(): TransportKind | null {
	return transport?.kind ?? null;
}

async function ready(): Promise<Transport> {
	if (transport) return transport;
	if (!pending)
		throw new BridgeCallError({ code: 'internal', message: 'No bridge', detail: null, fields: [] });
	return pending;
}

/**
 * Call a backend command. Resolves with its result or throws a `BridgeCallError`
 * (also for transport failures, which become code `internal`).
 */
export async function call<K extends CommandName>(
	name: K,
	params: CommandParams<K>
): Promise<CommandResult<K>> {
	let envelope;
	try {
		envelope = await (await ready()).invoke(name, params);
	} catch (reason) {
		throw BridgeCallError.fromUnknown(reason);
	}
	if (!envelope.ok) throw new BridgeCallError(envelope.error);
	return envelope.result;
}
