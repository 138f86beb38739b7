import type { LocalWorkerInfo, RpcStatus, RpcWorker, RpcWorkerInfo } from '$lib/types';

const GIB = 1024 ** 3;
const LOOPBACK = ['127.0.0.1', 'localhost', '::1'];

/** What the mock's "checks" find: by port, so tests can pick a state by address. */
function checked(worker: RpcWorker): RpcWorkerInfo {
	const port = Number(worker.address.split(':').pop());
	const base = { address: worker.address, enabled: worker.enabled };
	if (port === 1)
		return {
			...base,
			state: 'refused',
			error: 'connection refused: no worker listens there',
			devices: [],
			free_bytes: 0,
			checked_at: '2026-03-02T10:00:00Z'
		};
	if (port === 2)
		return {
			...base,
			state: 'not_answering',
			error: 'accepts connections but did not answer within 3 s',
			devices: [],
			free_bytes: 0,
			checked_at: '2026-03-02T10:00:00Z'
		};
	const free = 12 * GIB;
	return {
		...base,
		state: worker.enabled ? 'in_use' : 'reachable',
		devices: [
			{ name: 'RPC0', description: worker.address, total_bytes: 16 * GIB, free_bytes: free }
		],
		free_bytes: free,
		error: null,
		checked_at: '2026-03-02T10:00:00Z'
	};
}

/** The RPC workers of the mock: read from its settings, "checked" by the rule above. */
export function mockRpcStatus(rpc: Record<string, unknown>, model: string | null): RpcStatus {
	const workers = ((rpc.workers as RpcWorker[] | undefined) ?? []).map(checked);
	const used = workers.filter((worker) => worker.enabled && worker.state === 'in_use');
	const modelBytes = 98_000_000;
	const host = String(rpc.local_host ?? '127.0.0.1');
	const local: LocalWorkerInfo = rpc.local_worker
		? {
				state: 'running',
				address: `${host}:${String(rpc.local_port ?? 50052)}`,
				error: null,
				warning: LOOPBACK.includes(host)
					? null
					: `The RPC worker listens on ${host}: anyone who can reach this machine on that network can use it and run work on it (the protocol has no authentication). Use it only on a network you trust.`
			}
		: { state: 'off', address: null, error: null, warning: null };
	const left = workers.filter((worker) => worker.enabled && worker.state !== 'in_use');
	return {
		workers,
		spread: used.map((worker) => ({
			worker: worker.address,
			device: 'RPC0',
			share_bytes: Math.round(modelBytes / used.length),
			free_bytes: worker.free_bytes ?? 0
		})),
		model: used.length > 0 ? model : null,
		fits: used.length > 0 ? true : null,
		note:
			used.length > 0 && left.length > 0
				? `Started without ${left.map((worker) => `worker ${worker.address} (${worker.error})`).join('; ')}. The model still fits on the other workers.`
				: null,
		local
	};
}
