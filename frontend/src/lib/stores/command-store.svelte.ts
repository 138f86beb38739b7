import { fieldErrorsOf, messageOf } from '$lib/services/bridge-error';

/**
 * A settings store whose commands report their failure instead of throwing it: the last
 * failure's message in `error`, its validation errors by field in `fieldErrors` (for the form).
 */
export abstract class CommandStore {
	/** Why the last command failed. */
	error = $state<string | null>(null);
	/** Backend validation errors of the last command, by field (`server.url`, ...). */
	fieldErrors = $state<Record<string, string>>({});

	/** Run a command; its failure goes to `error` (and `fieldErrors`), never thrown. */
	protected async attempt<T>(run: () => Promise<T>): Promise<T | null> {
		try {
			const result = await run();
			this.error = null;
			this.fieldErrors = {};
			return result;
		} catch (error) {
			this.error = messageOf(error);
			this.fieldErrors = fieldErrorsOf(error);
			return null;
		}
	}
}
