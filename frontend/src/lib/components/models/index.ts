export { default as ModelSelector } from './ModelSelector.svelte';
