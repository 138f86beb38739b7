export { default as RpcSpread } from './RpcSpread.svelte';
export { default as RpcWorkerRow } from './RpcWorkerRow.svelte';
export { default as RpcWorkersPanel } from './RpcWorkersPanel.svelte';
