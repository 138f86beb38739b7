import type { BridgeError, BridgeFieldError } from '$lib/types';

/** Thrown inside the mock; turned into an `{ok: false, error}` envelope. */
export class MockFailure extends Error {
	constructor(
		readonly code: BridgeError['code'],
		message: string,
		readonly fields: BridgeFieldError[] = [],
		/** Details for a person (the backend's are often pydantic's own report). */
		readonly detail: string | null = null
	) {
		super(message);
	}

	toBridgeError(): BridgeError {
		return { code: this.code, message: this.message, detail: this.detail, fields: this.fields };
	}
}

/** A `MockFailure` as it is; anything else is a bug of the mock, reported as `internal`. */
export function toBridgeError(reason: unknown): BridgeError {
	if (reason instanceof MockFailure) return reason.toBridgeError();
	const message = reason instanceof Error ? reason.message : String(reason);
	return { code: 'internal', message, detail: null, fields: [] };
}
