export { default as AppRecoveryNotice } from './AppRecoveryNotice.svelte';
export { default as AppShortcuts } from './AppShortcuts.svelte';
export { default as AppTheme } from './AppTheme.svelte';
