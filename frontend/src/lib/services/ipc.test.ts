import { describe, expect, it } from 'vitest';
import type { Transport } from '$lib/types';
import { BridgeCallError } from './bridge-error';
import { call, useTransport } from './ipc';
import { createHttpTransport } from './transports/http';

function transport(invoke: Transport['invoke']): Transport {
	return { kind: 'mock', invoke, listen: () => undefined };
}

describe('call', () => {
	it('unwraps a successful envelope', async () => {
		await useTransport(transport(async () => ({ ok: true, result: { stopped: true } }) as never));
		await expect(call('stop_generation', { conversation_id: 'c' })).resolves.toEqual({
			stopped: true
		});
	});

	it('throws a BridgeCallError with the code and field errors of a failure', async () => {
		await useTransport(
			transport(async () => ({
				ok: false,
				error: {
					code: 'config_invalid',
					message: 'bad',
					detail: null,
					fields: [{ field: 'generation.temperature', message: 'too hot' }]
				}
			}))
		);
		const error = await call('save_config', { config: {} }).catch((reason: unknown) => reason);
		expect(error).toBeInstanceOf(BridgeCallError);
		expect(error).toMatchObject({
			code: 'config_invalid',
			fields: [{ field: 'generation.temperature' }]
		});
	});

	it('turns a rejected promise (a Python exception) into code internal', async () => {
		await useTransport(
			transport(async () => {
				throw new Error('TypeError: boom');
			})
		);
		await expect(call('list_models', {})).rejects.toMatchObject({
			code: 'internal',
			message: 'TypeError: boom'
		});
	});
});

describe('HTTP transport', () => {
	it('posts JSON with the bearer token and reads the envelope', async () => {
		const requests: [string, RequestInit | undefined][] = [];
		const fetcher = (async (url: string, init?: RequestInit) => {
			requests.push([url, init]);
			return new Response(JSON.stringify({ ok: true, result: [] }), { status: 200 });
		}) as typeof fetch;
		const http = createHttpTransport('T0K', fetcher);
		await expect(http.invoke('list_models', {})).resolves.toEqual({ ok: true, result: [] });
		const [url, init] = requests[0] ?? [];
		expect(url).toBe('/api/list_models');
		expect(init?.method).toBe('POST');
		expect((init?.headers as Record<string, string>).Authorization).toBe('Bearer T0K');
		expect(init?.body).toBe('{}');
	});

	it('maps a 4xx error body to a failed envelope', async () => {
		const fetcher = (async () =>
			new Response(
				JSON.stringify({ error: { code: 'not_found', message: 'gone', detail: null, fields: [] } }),
				{
					status: 404
				}
			)) as unknown as typeof fetch;
		const result = await createHttpTransport('t', fetcher).invoke('get_conversation', {
			conversation_id: 'x'
		});
		expect(result).toEqual({
			ok: false,
			error: { code: 'not_found', message: 'gone', detail: null, fields: [] }
		});
	});

	it('maps an error without a body to code internal', async () => {
		const fetcher = (async () => new Response('oops', { status: 500 })) as unknown as typeof fetch;
		const result = await createHttpTransport('t', fetcher).invoke('list_models', {});
		expect(!result.ok && result.error.code).toBe('internal');
	});
});
