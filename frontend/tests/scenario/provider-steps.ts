import type {
	CommandName,
	CommandParams,
	CommandResult,
	Envelope,
	ProviderConfig
} from '$lib/types';
import type { ScenarioBackend } from './backends';

/** What a provider step needs of the scenario run. */
export interface ProviderScenario {
	call: ScenarioBackend['call'];
	record: (step: 'providers' | 'provider errors', outcome: unknown) => void;
}

const KEY = 'sk-scenario-secret-4711';

/** Nothing listens on the discard port: both backends find the provider unreachable. */
const DESKTOP: ProviderConfig = {
	name: 'Desktop',
	base_url: 'http://127.0.0.1:9/v1',
	timeout_s: 5,
	enabled: true,
	local_network_only: false,
	can_continue: true
};

/**
 * The providers' commands: add with a key (never seen again, only `has_key`), check (the local
 * server, and an unreachable remote), edit, keep or drop the key, failover rules, a
 * conversation's provider (remembered; refused once the provider is off or gone), remove; then
 * every error the page can trip.
 */
export class ProviderSteps {
	private seen = '';

	constructor(private readonly run: ProviderScenario) {}

	/** Call a command, keeping what it said to check that the key never comes back. */
	private async said<K extends CommandName>(
		name: K,
		params: CommandParams<K>
	): Promise<Envelope<CommandResult<K>>> {
		const envelope = await this.run.call(name, params);
		this.seen += JSON.stringify(envelope);
		return envelope;
	}

	async record(): Promise<void> {
		const listed = await this.said('list_providers', {});
		const added = await this.said('add_provider', { provider: DESKTOP, api_key: KEY });
		const id = added.ok ? added.result.id : '';
		const conversation = await this.said('create_conversation', {});
		const conversationId = conversation.ok ? conversation.result.id : '';
		const outcome: Record<string, unknown> = {
			listed,
			added,
			checked: await this.said('check_provider', { provider_id: id }),
			local_checked: await this.said('check_provider', { provider_id: 'local' }),
			edited_key_kept: await this.said('update_provider', {
				provider_id: id,
				provider: { ...DESKTOP, name: 'Desk', local_network_only: true },
				api_key: null
			}),
			// Checked again, so what follows does not depend on when the background check ran.
			rechecked: await this.said('check_provider', { provider_id: id }),
			failover: await this.said('set_failover', {
				rule: {
					provider_id: 'local',
					model: '*',
					policy: 'automatic',
					targets: [{ provider_id: id, model: 'remote-model' }]
				}
			}),
			failover_replaced: await this.said('set_failover', {
				rule: {
					provider_id: 'local',
					model: '*',
					policy: 'ask',
					targets: [{ provider_id: id, model: 'other-model' }]
				}
			}),
			chosen: await this.said('set_conversation_provider', {
				conversation_id: conversationId,
				provider_id: id,
				model: 'remote-model'
			}),
			remembered: await this.said('get_conversation', { conversation_id: conversationId }),
			key_dropped_and_off: await this.said('update_provider', {
				provider_id: id,
				provider: { ...DESKTOP, enabled: false },
				api_key: ''
			}),
			chosen_while_off: await this.said('set_conversation_provider', {
				conversation_id: conversationId,
				provider_id: id
			}),
			removed: await this.said('remove_provider', { provider_id: id }),
			// The message names the id (the normaliser only rewrites ids under id keys).
			chosen_once_removed: JSON.parse(
				JSON.stringify(
					await this.said('set_conversation_provider', {
						conversation_id: conversationId,
						provider_id: id
					})
				).replaceAll(id, '<the removed id>')
			) as unknown,
			back_to_local: await this.said('set_conversation_provider', {
				conversation_id: conversationId,
				provider_id: 'local',
				model: null
			}),
			rule_dropped: await this.said('set_failover', {
				rule: { provider_id: 'local', model: '*', policy: 'off', targets: [] }
			}),
			deleted: await this.said('delete_conversation', { conversation_id: conversationId })
		};
		outcome.key_never_seen = !this.seen.includes(KEY);
		this.run.record('providers', outcome);
		this.run.record('provider errors', await this.errors());
	}

	private async errors(): Promise<Record<string, unknown>> {
		const call: ScenarioBackend['call'] = (name, params) => this.run.call(name, params);
		const added = (await call('add_provider', { provider: DESKTOP })) as {
			ok: boolean;
			result?: CommandResult<'add_provider'>;
		};
		const id = added.result?.id ?? '';
		const outcome = {
			empty_name_and_bad_url: await call('add_provider', {
				provider: { ...DESKTOP, name: '', base_url: 'ftp://host/v1' }
			}),
			port_out_of_range: await call('add_provider', {
				provider: { ...DESKTOP, base_url: 'http://127.0.0.1:99999/v1' }
			}),
			timeouts: [
				await call('add_provider', { provider: { ...DESKTOP, timeout_s: 0 } }),
				await call('update_provider', {
					provider_id: id,
					provider: { ...DESKTOP, timeout_s: 4000 }
				})
			],
			not_local: await call('add_provider', {
				provider: { ...DESKTOP, base_url: 'http://8.8.8.8/v1', local_network_only: true }
			}),
			unknown: [
				await call('update_provider', { provider_id: 'nope', provider: DESKTOP }),
				await call('check_provider', { provider_id: 'nope' }),
				await call('remove_provider', { provider_id: 'nope' })
			],
			local_not_removed: await call('remove_provider', { provider_id: 'local' }),
			bad_policy: await call('set_failover', {
				rule: {
					provider_id: 'local',
					model: '*',
					policy: 'sometimes' as 'off',
					targets: []
				}
			}),
			unknown_target: await call('set_failover', {
				rule: {
					provider_id: 'local',
					model: '*',
					policy: 'automatic',
					targets: [{ provider_id: 'nope', model: 'm' }]
				}
			}),
			unknown_conversation: await call('set_conversation_provider', {
				conversation_id: 'missing',
				provider_id: 'local'
			}),
			removed: await call('remove_provider', { provider_id: id })
		};
		return outcome;
	}
}
