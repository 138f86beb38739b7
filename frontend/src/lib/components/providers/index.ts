export { default as ProvidersFailover } from './ProvidersFailover.svelte';
export { default as ProvidersForm } from './ProvidersForm.svelte';
export { default as ProvidersHealth } from './ProvidersHealth.svelte';
export { default as ProvidersItem } from './ProvidersItem.svelte';
export { default as ProvidersPanel } from './ProvidersPanel.svelte';
