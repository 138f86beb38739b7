export { default as LocalApiPanel } from './LocalApiPanel.svelte';
