export { chatStore } from './chat.svelte';
export { conversationsStore } from './conversations.svelte';
export { modelsStore } from './models.svelte';
export { serverStore } from './server.svelte';
export { settingsStore } from './settings.svelte';
export { uiStore } from './ui.svelte';
