import { afterEach, describe, expect, it, vi } from 'vitest';
import { useTransport } from '$lib/services/ipc';
import { failingTransport } from '$lib/testing/fixtures';
import { fakeTransport } from '$lib/testing/fake-transport';
import { serverLogsStore } from './server-logs.svelte';

afterEach(() => {
	vi.useRealTimers();
});

describe('serverLogsStore', () => {
	it('polls the log every second while watched, and not after', async () => {
		vi.useFakeTimers();
		let reads = 0;
		const transport = fakeTransport({
			get_server_logs: ({ lines }) => {
				reads += 1;
				return { lines: [`read ${reads} of ${lines}`] };
			}
		});
		await useTransport(transport);
		const stop = serverLogsStore.watch();
		await vi.advanceTimersByTimeAsync(2100);
		expect(reads).toBe(3);
		expect(serverLogsStore.lines).toEqual(['read 3 of 500']);
		stop();
		await vi.advanceTimersByTimeAsync(3000);
		expect(reads).toBe(3);
	});

	it('keeps the error of a failed read until a read succeeds', async () => {
		vi.useFakeTimers();
		await useTransport(
			failingTransport(
				{},
				{ get_server_logs: { code: 'internal', message: 'gone', detail: null, fields: [] } }
			)
		);
		const stop = serverLogsStore.watch();
		await vi.advanceTimersByTimeAsync(10);
		expect(serverLogsStore.error).toBe('gone');
		await useTransport(fakeTransport({ get_server_logs: () => ({ lines: ['back'] }) }));
		await vi.advanceTimersByTimeAsync(1000);
		expect(serverLogsStore.error).toBeNull();
		expect(serverLogsStore.lines).toEqual(['back']);
		stop();
	});
});
