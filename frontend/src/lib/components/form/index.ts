export { default as FormField, type FormControl } from './FormField.svelte';
