import type { FailoverChoice } from '$lib/constants/failover';
import type { FailoverAnswer, Fallback } from '$lib/types';
import { call } from './ipc';

/** The failover questions of paused answers and the fall-backs in force. Stateless. */
export const FailoverService = {
	/** Continue the paused answer with the proposed provider, wait for the local one, or cancel. */
	answer: (question_id: string, choice: FailoverChoice): Promise<FailoverAnswer> =>
		call('answer_failover', { question_id, choice }),
	/** The primaries being stood in for now (the banner). */
	fallbacks: async (): Promise<Fallback[]> => (await call('list_providers', {})).fallbacks ?? []
};
