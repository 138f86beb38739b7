/** The event the backend sends when an RPC worker's state, the spread or the local worker changes. */
export const RPC_STATUS_EVENT = 'rpc_status';

/** The settings that hold the RPC workers (saved through `save_config`). */
export const RPC_SETTING = {
	workers: 'rpc.workers',
	tensorSplit: 'rpc.tensor_split',
	localWorker: 'rpc.local_worker',
	localHost: 'rpc.local_host',
	localPort: 'rpc.local_port'
} as const;

/** The settings section the generic form leaves to the RPC workers panel. */
export const RPC_SECTION = 'rpc';

/** What each worker state says to a person. */
export const RPC_STATE_LABEL: Record<string, string> = {
	unknown: 'not checked yet',
	reachable: 'reachable',
	in_use: 'in use',
	refused: 'refused',
	not_answering: 'not answering',
	not_a_worker: 'not a worker',
	error: 'error'
};

/** host:port, an IPv6 host in brackets: what the backend accepts. */
export const WORKER_ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})$/;
