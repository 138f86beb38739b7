export { default as ToolsPanel } from './ToolsPanel.svelte';
export { default as ToolsRuleSelect } from './ToolsRuleSelect.svelte';
export { default as ToolsSecretRows } from './ToolsSecretRows.svelte';
export { default as ToolsServerForm } from './ToolsServerForm.svelte';
export { default as ToolsServerItem } from './ToolsServerItem.svelte';
export { default as ToolsServerState } from './ToolsServerState.svelte';
export { default as ToolsToolRules } from './ToolsToolRules.svelte';
