import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type {
	BridgeEvent,
	CommandName,
	CommandParams,
	CommandResult,
	ProviderConfig
} from '$lib/types';
import { MockBackend } from './backend';
import { MOCK_PROVIDER_RULES, MOCK_REMOTE_MODELS } from './providers';

/** What the shared scenario cannot compare (it has no healthy remote): the mock's own rules. */
let events: BridgeEvent[];
let backend: MockBackend;

async function ok<K extends CommandName>(
	name: K,
	params: CommandParams<K>
): Promise<CommandResult<K>> {
	const envelope = await backend.invoke(name, params);
	if (!envelope.ok) throw new Error(`${name} failed: ${envelope.error.message}`);
	return envelope.result;
}

const REMOTE: ProviderConfig = {
	name: 'Desktop',
	base_url: 'http://192.168.1.5:8080/v1',
	timeout_s: 30,
	enabled: true,
	local_network_only: true,
	can_continue: true
};

beforeEach(() => {
	vi.useFakeTimers();
	events = [];
	backend = new MockBackend({ emit: (event) => events.push(event), tokensPerSecond: 1000 });
});

afterEach(() => {
	vi.useRealTimers();
});

describe('MockProviders', () => {
	it('checks a new provider in the background and tells the page', async () => {
		const added = await ok('add_provider', { provider: REMOTE, api_key: 'sk-1' });
		expect(added.health?.state).toBe('unknown');
		expect(JSON.stringify(added)).not.toContain('sk-1');
		await vi.advanceTimersByTimeAsync(10);
		const told = events.filter((event) => event.type === 'providers_changed').at(-1);
		const info = told?.type === 'providers_changed' ? told.providers.providers[1] : undefined;
		expect(info?.health?.state).toBe('ok');
		expect(info?.models).toEqual(MOCK_REMOTE_MODELS);
		expect(info?.has_key).toBe(true);
	});

	it('refuses a wrong key once, with no next check', async () => {
		const added = await ok('add_provider', {
			provider: REMOTE,
			api_key: MOCK_PROVIDER_RULES.wrongKey
		});
		const checked = await ok('check_provider', { provider_id: added.id });
		expect(checked.health).toMatchObject({
			state: 'auth_failed',
			error: "Provider 'Desktop' rejected the API key.",
			next_check_s: null
		});
	});

	it('answers a conversation on a healthy remote with its name and model', async () => {
		const added = await ok('add_provider', { provider: REMOTE });
		await ok('check_provider', { provider_id: added.id });
		const { id } = await ok('create_conversation', {});
		await ok('set_conversation_provider', {
			conversation_id: id,
			provider_id: added.id,
			model: 'Llama-3.1-8B-Instruct'
		});
		await ok('send_chat_message_stream', { conversation_id: id, content: 'hi' });
		await vi.advanceTimersByTimeAsync(5000);
		const end = events.find((event) => event.type === 'stream_end');
		expect(end?.type === 'stream_end' && end.message).toMatchObject({
			provider_id: added.id,
			provider_name: 'Desktop',
			model: 'Llama-3.1-8B-Instruct'
		});
		const conversation = await ok('get_conversation', { conversation_id: id });
		expect(conversation.provider_model).toBe('Llama-3.1-8B-Instruct');
	});

	it('refuses to send to an unreachable remote, naming why', async () => {
		const added = await ok('add_provider', {
			provider: { ...REMOTE, base_url: `http://127.0.0.1:${MOCK_PROVIDER_RULES.refusedPort}` }
		});
		await ok('check_provider', { provider_id: added.id });
		const { id } = await ok('create_conversation', {});
		await ok('set_conversation_provider', { conversation_id: id, provider_id: added.id });
		const sent = await backend.invoke('send_chat_message_stream', {
			conversation_id: id,
			content: 'hi'
		});
		expect(sent.ok === false && sent.error.message).toBe(
			"Lost the connection to provider 'Desktop' (GET /v1/models)."
		);
	});
});
