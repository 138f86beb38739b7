export { default as DownloadsForm } from './DownloadsForm.svelte';
export { default as DownloadsItem } from './DownloadsItem.svelte';
export { default as DownloadsPanel } from './DownloadsPanel.svelte';
