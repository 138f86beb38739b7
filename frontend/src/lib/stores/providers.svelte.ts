import { LOCAL_PROVIDER_ID, PROVIDERS_CHANGED_EVENT } from '$lib/constants/providers';
import { BridgeEvents } from '$lib/services/events';
import { ProvidersService } from '$lib/services/providers';
import type { Fallback, FailoverRule, ProviderConfig, ProviderInfo, Providers } from '$lib/types';
import { withItem } from '$lib/utils/by-id';
import { CommandStore } from './command-store.svelte';

/**
 * Settings → Providers and the model selector's groups: every provider (the local server
 * first) with its health and models, the failover rules and the fall-backs in force, kept
 * current by `providers_changed`. A check runs in the background of the page: nothing waits
 * for it but its own "Check now" button.
 */
export class ProvidersStore extends CommandStore {
	providers = $state<ProviderInfo[]>([]);
	failover = $state<FailoverRule[]>([]);
	fallbacks = $state<Fallback[]>([]);
	/** Where the backend keeps API keys (the keyring, or a file only you can read). */
	keyStore = $state('');
	isSaving = $state(false);
	/** Providers whose "Check now" is on its way. */
	checking = $state<Record<string, boolean>>({});

	/** The remote providers, in the order they were added. */
	readonly remotes = $derived(this.providers.filter((p) => p.id !== LOCAL_PROVIDER_ID));

	constructor() {
		super();
		BridgeEvents.subscribe((event) => {
			if (event.type === PROVIDERS_CHANGED_EVENT) this.take(event.providers);
		});
	}

	/** A provider by id, or undefined. */
	get(providerId: string): ProviderInfo | undefined {
		return this.providers.find((provider) => provider.id === providerId);
	}

	private take(listed: Providers): void {
		this.providers = listed.providers;
		this.failover = listed.failover ?? [];
		this.fallbacks = listed.fallbacks ?? [];
		this.keyStore = listed.key_store ?? '';
	}

	private merge(provider: ProviderInfo): void {
		this.providers = withItem(this.providers, provider);
	}

	async load(): Promise<void> {
		const listed = await this.attempt(() => ProvidersService.list());
		if (listed) this.take(listed);
	}

	/**
	 * Add a provider (`providerId` null) or save an edited one; `apiKey` null keeps the stored
	 * key, "" removes it. False when the backend refused it (see `error`, `fieldErrors`).
	 */
	async save(
		providerId: string | null,
		config: ProviderConfig,
		apiKey: string | null
	): Promise<boolean> {
		this.isSaving = true;
		try {
			const saved = await this.attempt(() =>
				providerId === null
					? ProvidersService.add(config, apiKey || null)
					: ProvidersService.update(providerId, config, apiKey)
			);
			if (saved) this.merge(saved);
			return saved !== null;
		} finally {
			this.isSaving = false;
		}
	}

	async remove(providerId: string): Promise<void> {
		const listed = await this.attempt(() => ProvidersService.remove(providerId));
		if (listed) this.take(listed);
	}

	/** Check a provider now; only its own button waits (the rest of the page goes on). */
	async check(providerId: string): Promise<void> {
		this.checking = { ...this.checking, [providerId]: true };
		try {
			const checked = await this.attempt(() => ProvidersService.check(providerId));
			if (checked) this.merge(checked);
		} finally {
			this.checking = Object.fromEntries(
				Object.entries(this.checking).filter(([id]) => id !== providerId)
			);
		}
	}

	/**
	 * Replace a primary's rule. It shows at once (so a second change made before the first is
	 * answered builds on it); what the backend answers replaces it, and a refusal puts back
	 * what the backend holds. False when refused.
	 */
	async setFailover(rule: FailoverRule): Promise<boolean> {
		const others = this.failover.filter(
			(r) => r.provider_id !== rule.provider_id || r.model !== rule.model
		);
		const empty = (rule.targets ?? []).length === 0 && rule.policy === 'off';
		this.failover = empty ? others : [...others, rule];
		const listed = await this.attempt(() => ProvidersService.setFailover(rule));
		if (listed) this.take(listed);
		else await this.reload();
		return listed !== null;
	}

	/** What the backend holds, keeping the error that made it needed. */
	private async reload(): Promise<void> {
		const error = this.error;
		await this.load();
		this.error = error;
	}
}

export const providersStore = new ProvidersStore();
