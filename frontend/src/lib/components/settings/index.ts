export { default as SettingsAbout } from './SettingsAbout.svelte';
export { default as SettingsBackups } from './SettingsBackups.svelte';
export { default as SettingsFieldInput } from './SettingsFieldInput.svelte';
export { default as SettingsForm } from './SettingsForm.svelte';
export { default as SettingsRestartDialog } from './SettingsRestartDialog.svelte';
export { default as SettingsSectionCard } from './SettingsSectionCard.svelte';
