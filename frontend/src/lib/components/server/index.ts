export { default as ServerLogsPanel } from './ServerLogsPanel.svelte';
export { default as ServerProblem } from './ServerProblem.svelte';
export { default as ServerStatusBadge } from './ServerStatusBadge.svelte';
