export { default as MarkdownContent } from './MarkdownContent.svelte';
