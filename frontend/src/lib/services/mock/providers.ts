import type {
	BridgeEvent,
	FailoverRule,
	Fallback,
	ProviderConfig,
	ProviderHealth,
	ProviderInfo,
	Providers,
	ServerStatus
} from '$lib/types';
import { MockFailure } from './errors';
import { checkRule, checkedConfig, ensureLocalNetwork, portOf } from './provider-config';

/** The local server's provider (`LOCAL_PROVIDER_ID`, `LOCAL_NAME` in the backend). */
export const MOCK_LOCAL_PROVIDER = { id: 'local', name: 'This computer' } as const;

/** What the mock's "checks" find, by port and key, so tests can pick a provider's health. */
export const MOCK_PROVIDER_RULES = {
	/** Nothing listens there: unreachable, checked again with backoff. */
	refusedPort: 9,
	/** Accepts and never answers: the check ends at the provider's timeout. */
	silentPort: 2,
	/** This API key is refused. */
	wrongKey: 'wrong-key'
} as const;

/** The models a healthy mock provider lists. */
export const MOCK_REMOTE_MODELS = ['Qwen2.5-7B-Instruct', 'Llama-3.1-8B-Instruct'];

const KEY_STORE = 'the file ~/.config/llamadesk/secrets.json (readable only by you)';
const FIRST_RETRY_S = 2;
const MAX_RETRY_S = 300;
const OK_INTERVAL_S = 60;
/** How long a mock check of a silent provider lasts at most, so tests need not wait a minute. */
const SILENT_CHECK_MAX_MS = 3_000;

interface MockProvider {
	id: string;
	config: ProviderConfig;
	key: string | null;
	health: ProviderHealth;
	models: string[];
	failures: number;
}

function unknownHealth(config: ProviderConfig): ProviderHealth {
	return {
		state: config.enabled ? 'unknown' : 'disabled',
		checked_at: null,
		latency_ms: null,
		error: null,
		next_check_s: null
	};
}

/** Port of `ProviderService._local_health`: the monitor's state as a provider's health. */
function localHealth(server: ServerStatus): ProviderHealth {
	const base = { checked_at: null, latency_ms: null, next_check_s: null };
	if (server.state === 'ready') return { ...base, state: 'ok', error: null };
	const said = `The local server is ${server.state}.`;
	if (['failed', 'crashed', 'restarting', 'stopped'].includes(server.state))
		return { ...base, state: 'unreachable', error: said };
	return { ...base, state: 'unknown', error: said };
}

/**
 * The providers of the mock (`backend.providers.ProviderService` and `ProviderStore`): remote
 * providers with keys kept apart (the page only sees `has_key`), "checks" decided by
 * `MOCK_PROVIDER_RULES`, and the failover rules. Every change is told with `providers_changed`.
 */
export class MockProviders {
	private providers = new Map<string, MockProvider>();
	private failover: FailoverRule[] = [];

	constructor(
		private readonly emit: (event: BridgeEvent) => void,
		private readonly server: () => ServerStatus,
		/** The fall-backs in force (`ProviderRouter.fallbacks`: the banner). */
		private readonly fallbacks: () => Fallback[] = () => []
	) {}

	list(): Providers {
		const server = this.server();
		const local: ProviderInfo = {
			...MOCK_LOCAL_PROVIDER,
			kind: 'local',
			base_url: null,
			timeout_s: null,
			enabled: true,
			local_network_only: false,
			can_continue: true,
			has_key: false,
			health: localHealth(server),
			models: server.model ? [server.model] : []
		};
		return {
			providers: [local, ...[...this.providers.values()].map((p) => this.info(p))],
			failover: structuredClone(this.failover),
			fallbacks: structuredClone(this.fallbacks()),
			key_store: KEY_STORE
		};
	}

	/** A remote provider that can answer right now, or null (the router's `primary`). */
	answering(providerId: string): { name: string; models: string[] } | null {
		const provider = this.providers.get(providerId);
		return provider?.health.state === 'ok'
			? { name: provider.config.name, models: provider.models }
			: null;
	}

	/** Why a provider cannot answer now: its last check's error. */
	whyNot(providerId: string): string {
		const provider = this.get(providerId);
		return (
			provider.health.error ?? `Provider '${provider.config.name}' has not answered a check yet.`
		);
	}

	/** Port of `ProviderRouter.primary`'s refusals: a removed or switched-off provider. */
	ensureUsable(providerId: string): void {
		if (providerId === MOCK_LOCAL_PROVIDER.id) return;
		const provider = this.providers.get(providerId);
		if (!provider)
			throw new MockFailure(
				'server_unavailable',
				`The provider this conversation uses (${providerId}) was removed; choose another in the model selector.`
			);
		if (!provider.config.enabled)
			throw new MockFailure(
				'server_unavailable',
				`Provider '${provider.config.name}' is switched off (Settings → Providers).`
			);
	}

	add(config: ProviderConfig, apiKey: string | null | undefined): ProviderInfo {
		const checked = checkedConfig(config, 'add_provider');
		if (checked.local_network_only) ensureLocalNetwork(checked.name, checked.base_url);
		const id = `p-${Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, '0')).join('')}`;
		const provider = this.open(id, checked, apiKey || null);
		this.changed();
		return this.info(provider);
	}

	update(providerId: string, config: ProviderConfig, apiKey: string | null | undefined) {
		const checked = checkedConfig(config, 'update_provider');
		if (checked.local_network_only) ensureLocalNetwork(checked.name, checked.base_url);
		const old = this.get(providerId);
		const key = apiKey === '' ? null : (apiKey ?? old.key);
		const provider = this.open(providerId, checked, key);
		this.changed();
		return this.info(provider);
	}

	remove(providerId: string): Providers {
		this.get(providerId);
		this.providers.delete(providerId);
		this.failover = this.failover
			.filter((rule) => rule.provider_id !== providerId)
			.map((rule) => ({
				...rule,
				// The generated type spells "at most 16" as tuples; fewer is still fewer.
				targets: (rule.targets ?? []).filter(
					(target) => target.provider_id !== providerId
				) as FailoverRule['targets']
			}));
		this.changed();
		return this.list();
	}

	async check(providerId: string): Promise<ProviderInfo> {
		if (providerId === MOCK_LOCAL_PROVIDER.id) return this.list().providers[0] as ProviderInfo;
		await this.runCheck(this.get(providerId));
		return this.info(this.get(providerId));
	}

	/** Port of `ProviderStore.set_failover`: replace the primary's rule; an empty one goes. */
	setFailover(rule: FailoverRule): Providers {
		checkRule(rule);
		const known = new Set([MOCK_LOCAL_PROVIDER.id, ...this.providers.keys()]);
		for (const id of [rule.provider_id, ...(rule.targets ?? []).map((t) => t.provider_id)])
			if (!known.has(id)) throw new MockFailure('not_found', `There is no provider '${id}'.`);
		const full = { ...rule, policy: rule.policy ?? 'automatic', targets: rule.targets ?? [] };
		const kept = this.failover.filter(
			(r) => r.provider_id !== rule.provider_id || r.model !== rule.model
		);
		if (full.targets.length > 0 || full.policy !== 'off') kept.push(full);
		this.failover = kept;
		this.changed();
		return this.list();
	}

	private get(providerId: string): MockProvider {
		const provider = this.providers.get(providerId);
		if (!provider) throw new MockFailure('not_found', `There is no provider '${providerId}'.`);
		return provider;
	}

	/** A provider (re)opened: its health forgotten, checked at once in the background. */
	private open(id: string, config: ProviderConfig, key: string | null): MockProvider {
		const provider = { id, config, key, health: unknownHealth(config), models: [], failures: 0 };
		this.providers.set(id, provider);
		if (config.enabled)
			setTimeout(() => {
				if (this.providers.get(id) === provider)
					void this.runCheck(provider).then(() => this.changed());
			}, 0);
		return provider;
	}

	private info(provider: MockProvider): ProviderInfo {
		return {
			id: provider.id,
			kind: 'remote',
			...provider.config,
			has_key: provider.key !== null,
			health: { ...provider.health },
			models: [...provider.models]
		};
	}

	/** Port of `HealthBook.ok` / `failed` for what the mock's rules find. */
	private async runCheck(provider: MockProvider): Promise<void> {
		const { name, base_url, timeout_s } = provider.config;
		const port = portOf(base_url);
		const stamp = new Date().toISOString().replace(/\.(\d{3})\d*Z$/, '.$1Z');
		if (port === MOCK_PROVIDER_RULES.silentPort)
			await new Promise((done) =>
				setTimeout(done, Math.min(timeout_s * 1000, SILENT_CHECK_MAX_MS))
			);
		const failed = (state: ProviderHealth['state'], error: string, wait: number | null) => {
			provider.failures += 1;
			provider.health = { state, checked_at: stamp, latency_ms: 1.2, error, next_check_s: wait };
		};
		const backoff = () => Math.min(FIRST_RETRY_S * 2 ** provider.failures, MAX_RETRY_S);
		if (port === MOCK_PROVIDER_RULES.refusedPort)
			failed(
				'unreachable',
				`Lost the connection to provider '${name}' (GET /v1/models).`,
				backoff()
			);
		else if (port === MOCK_PROVIDER_RULES.silentPort)
			failed(
				'unreachable',
				`Provider '${name}' did not answer in time (GET /v1/models).`,
				backoff()
			);
		else if (provider.key === MOCK_PROVIDER_RULES.wrongKey)
			failed('auth_failed', `Provider '${name}' rejected the API key.`, null);
		else {
			provider.failures = 0;
			provider.models = [...MOCK_REMOTE_MODELS];
			provider.health = {
				state: 'ok',
				checked_at: stamp,
				latency_ms: 12.5,
				error: null,
				next_check_s: OK_INTERVAL_S
			};
		}
	}

	private changed(): void {
		this.emit({ type: 'providers_changed', providers: this.list() });
	}
}
