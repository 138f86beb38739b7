import type { FailoverAnswer } from '$lib/types';

/** continue (as automatic would), wait (for the local server, as off would), cancel (as off). */
export type FailoverChoice = FailoverAnswer['choice'];

/** The events of the `ask` failover policy and of the fall-backs (the banner). */
export const FAILOVER_EVENT = {
	question: 'failover_question',
	answered: 'failover_answered',
	providersChanged: 'providers_changed'
} as const;

/** The buttons of a failover question, in order, as the backend's choices. */
export const FAILOVER_CHOICES: readonly { choice: FailoverChoice; label: string }[] = [
	{ choice: 'continue', label: 'Continue' },
	{ choice: 'wait', label: 'Wait for local' },
	{ choice: 'cancel', label: 'Cancel' }
];
