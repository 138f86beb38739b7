import { ERROR_CODE } from '$lib/constants/bridge';
import { SETTING } from '$lib/constants/settings';
import { BridgeCallError } from '$lib/services/bridge-error';
import { ConfigService } from '$lib/services/config';
import type {
	About,
	ConfigView,
	SaveConfigResult,
	ServerDefaults,
	ThemePreference
} from '$lib/types';
import { nestLeaves, readLeaf } from '$lib/utils/values';

function isTheme(value: unknown): value is ThemePreference {
	return value === 'system' || value === 'light' || value === 'dark';
}

/** The backend's settings, the form's field errors and the derived UI preferences. */
class SettingsStore {
	config = $state<ConfigView | null>(null);
	fieldErrors = $state<Record<string, string>>({});
	error = $state<string | null>(null);
	isSaving = $state(false);
	restartRequired = $state(false);
	/** What an empty generation setting uses: llama-server's defaults (null until it is ready). */
	serverDefaults = $state<ServerDefaults | null>(null);
	/** The About section: versions of the app, the engine and the default model. */
	about = $state<About | null>(null);

	readonly theme: ThemePreference = $derived.by(() => {
		const value = readLeaf(this.config?.values, SETTING.theme);
		return isTheme(value) ? value : 'system';
	});

	readonly sendOnEnter = $derived(readLeaf(this.config?.values, SETTING.sendOnEnter) !== false);

	async loadConfig(): Promise<void> {
		try {
			this.config = await ConfigService.load();
			this.error = null;
		} catch (error) {
			this.error = error instanceof Error ? error.message : String(error);
		}
	}

	/** Ask the running server for its sampling defaults; keeps the last ones if it cannot. */
	async loadServerDefaults(): Promise<void> {
		try {
			this.serverDefaults = (await ConfigService.serverDefaults()) ?? this.serverDefaults;
		} catch {
			// Only the placeholders are missing; the form works without them.
		}
	}

	/** Ask which app, engine and model versions run; the section stays hidden if it cannot. */
	async loadAbout(): Promise<void> {
		try {
			this.about = await ConfigService.about();
		} catch {
			this.about = null;
		}
	}

	/** Save dotted leaves; returns the result, or null when the backend rejected fields. */
	async saveConfig(leaves: Record<string, unknown>): Promise<SaveConfigResult | null> {
		this.isSaving = true;
		this.fieldErrors = {};
		this.error = null;
		try {
			const result = await ConfigService.save(nestLeaves(leaves));
			if (this.config) this.config = { ...this.config, values: result.values };
			this.restartRequired = result.restart_required;
			return result;
		} catch (error) {
			if (error instanceof BridgeCallError && error.code === ERROR_CODE.configInvalid) {
				this.fieldErrors = Object.fromEntries(
					error.fields.map((field) => [field.field, field.message])
				);
			}
			this.error = error instanceof Error ? error.message : String(error);
			return null;
		} finally {
			this.isSaving = false;
		}
	}

	/** Change the theme right away (the appearance switch in the header uses this). */
	setTheme(theme: ThemePreference): Promise<SaveConfigResult | null> {
		return this.saveConfig({ [SETTING.theme]: theme });
	}

	dismissRestart(): void {
		this.restartRequired = false;
	}
}

export const settingsStore = new SettingsStore();
