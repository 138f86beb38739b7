import type { RpcStatus } from '$lib/types';
import { call } from './ipc';

/** The RPC workers a model may be spread over. Stateless; the list itself is settings. */
export const RpcService = {
	/** Each worker's last check, the model's spread at the last launch, the local worker. */
	status: (): Promise<RpcStatus> => call('get_rpc_status', {}),
	/** Check every worker now. */
	check: (): Promise<RpcStatus> => call('check_rpc_workers', {})
};
