export { attachmentImagesStore, type ViewedImage } from './attachment-images.svelte';
export { attachmentsStore, type DraftAttachment } from './attachments.svelte';
export { chatStore } from './chat.svelte';
export { contextStore } from './context.svelte';
export {
	conversationSettingsStore,
	SAMPLING_FIELDS,
	type ConversationSettingsDraft
} from './conversation-settings.svelte';
export { conversationsStore } from './conversations.svelte';
export { downloadsStore } from './downloads.svelte';
export { failoverStore } from './failover.svelte';
export { linksStore } from './links.svelte';
export { localApiStore } from './local-api.svelte';
export { modelSettingsStore } from './model-settings.svelte';
export { modelsStore, type ModelAction } from './models.svelte';
export { providersStore } from './providers.svelte';
export { queueStore } from './queue.svelte';
export { readAheadStore } from './read-ahead';
export { rpcStore } from './rpc.svelte';
export { serverStore } from './server.svelte';
export { serverLogsStore } from './server-logs.svelte';
export { settingsStore } from './settings.svelte';
export { loadStartState } from './start-up';
export { storageStore } from './storage.svelte';
export { toolsStore } from './tools.svelte';
export { uiStore } from './ui.svelte';
