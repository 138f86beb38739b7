import { beforeEach, describe, expect, it } from 'vitest';
import { BridgeEvents } from '$lib/services/events';
import { useTransport } from '$lib/services/ipc';
import { MockBackend } from '$lib/services/mock';
import type { BridgeEvent, ToolServerSpec } from '$lib/types';
import { ToolsStore } from './tools.svelte';

const SPEC: ToolServerSpec = {
	name: 'files',
	transport: 'stdio',
	command: 'npx',
	args: [],
	cwd: null,
	env: { TOKEN: 'abc' },
	url: null,
	headers: {},
	enabled: true
};

let store: ToolsStore;
let started: Promise<void>;

beforeEach(async () => {
	let ready: () => void = () => undefined;
	started = new Promise((resolve) => (ready = resolve));
	const emit = (event: BridgeEvent) => {
		BridgeEvents.dispatch(event);
		if (event.type === 'tool_servers_changed' && event.servers.servers[0]?.state === 'ready')
			ready();
	};
	const backend = new MockBackend({ emit, toolStartMs: 1 });
	await useTransport({
		kind: 'mock',
		invoke: (name, params) => backend.invoke(name, params),
		listen: () => undefined
	});
	store = new ToolsStore();
	await store.load();
});

describe('ToolsStore', () => {
	it('adds a server and follows its state through events', async () => {
		expect(await store.save(null, SPEC)).toBe(true);
		expect(store.servers.map((server) => [server.id, server.state])).toEqual([
			['files', 'starting']
		]);
		await started;
		expect(store.servers[0]).toMatchObject({ state: 'ready', tool_count: 2, env_names: ['TOKEN'] });
		expect(JSON.stringify(store.servers)).not.toContain('abc');
	});

	it('keeps the backend field errors of a refused server', async () => {
		expect(await store.save(null, { ...SPEC, command: null })).toBe(false);
		expect(store.fieldErrors).toEqual({ server: 'Value error, a stdio server needs a command' });
		expect(await store.save(null, SPEC)).toBe(true);
		expect(store.fieldErrors).toEqual({});
	});

	it('updates the loaded tools when a rule changes', async () => {
		await store.save(null, SPEC);
		await started;
		await store.loadTools('files');
		await store.setRule('files', null, 'deny');
		await store.setRule('files', 'search', 'allow');
		expect(store.tools.files?.map((tool) => [tool.name, tool.rule])).toEqual([
			['read_file', 'deny'],
			['search', 'allow']
		]);
	});

	it('imports an mcp.json document and says how many servers it added', async () => {
		await store.importJson('{"mcpServers": {"a": {"command": "x"}, "b": {"url": "http://h/mcp"}}}');
		expect(store.notice).toBe('Imported 2 servers.');
		expect(store.servers.map((server) => [server.name, server.transport])).toEqual([
			['a', 'stdio'],
			['b', 'http']
		]);
		await store.importJson('{"servers": {}}');
		expect(store.error).toContain('not an mcp.json file');
	});
});
