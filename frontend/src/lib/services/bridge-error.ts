import { ERROR_CODE } from '$lib/constants/bridge';
import type { BridgeError, BridgeFieldError } from '$lib/types';

/** A failed command, as thrown by `call`: carries the backend's error code and field errors. */
export class BridgeCallError extends Error {
	readonly code: BridgeError['code'];
	readonly detail: string | null;
	readonly fields: BridgeFieldError[];

	constructor(error: BridgeError) {
		super(error.message);
		this.name = 'BridgeCallError';
		this.code = error.code;
		this.detail = error.detail;
		this.fields = error.fields ?? [];
	}

	/** Wrap anything a transport threw (e.g. pywebview rejects on a Python exception). */
	static fromUnknown(reason: unknown): BridgeCallError {
		if (reason instanceof BridgeCallError) return reason;
		const message = reason instanceof Error ? reason.message : String(reason);
		return new BridgeCallError({
			code: ERROR_CODE.internal,
			message: message || 'The backend failed unexpectedly.',
			detail: reason instanceof Error ? (reason.stack ?? null) : null,
			fields: []
		});
	}
}

/** What a failed call tells the user: its message (anything thrown, as text). */
export function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/** A failed call's validation errors by field (`provider.base_url`, ...); none for others. */
export function fieldErrorsOf(error: unknown): Record<string, string> {
	return error instanceof BridgeCallError
		? Object.fromEntries(error.fields.map(({ field, message }) => [field, message]))
		: {};
}
