import type { BridgeError, BridgeFieldError } from '$lib/types';

/** Thrown inside the mock; turned into an `{ok: false, error}` envelope. */
export class MockFailure extends Error {
	constructor(
		readonly code: BridgeError['code'],
		message: string,
		readonly fields: BridgeFieldError[] = []
	) {
		super(message);
	}

	toBridgeError(): BridgeError {
		return { code: this.code, message: this.message, detail: null, fields: this.fields };
	}
}

/** Map the tree's `not_found:` errors (and anything else) to a bridge error. */
export function toBridgeError(reason: unknown): BridgeError {
	if (reason instanceof MockFailure) return reason.toBridgeError();
	const message = reason instanceof Error ? reason.message : String(reason);
	if (message.startsWith('not_found:')) {
		return {
			code: 'not_found',
			message: `Not found: ${message.slice(10)}`,
			detail: null,
			fields: []
		};
	}
	return { code: 'internal', message, detail: null, fields: [] };
}
