import { beforeEach, describe, expect, it } from 'vitest';
import { BridgeEvents } from '$lib/services/events';
import { useTransport } from '$lib/services/ipc';
import { fakeTransport } from '$lib/testing/fake-transport';
import { bridgeError, downloadInfo, failingTransport } from '$lib/testing/fixtures';
import { DownloadsStore } from './downloads.svelte';

let store: DownloadsStore;

function progress(id: string, extra: Parameters<typeof downloadInfo>[1] = {}): void {
	BridgeEvents.dispatch({ type: 'download_progress', download: downloadInfo(id, extra) });
}

beforeEach(async () => {
	store = new DownloadsStore();
	await useTransport(fakeTransport({ list_downloads: () => [downloadInfo('a.gguf')] }));
	await store.load();
});

describe('DownloadsStore', () => {
	it('lists downloads and merges progress events by id', () => {
		progress('a.gguf', { bytes_done: 40 });
		progress('b.gguf', { status: 'queued' });
		expect(store.downloads.map((entry) => [entry.id, entry.bytes_done])).toEqual([
			['a.gguf', 40],
			['b.gguf', 0]
		]);
	});

	it('starts with the form values and keeps field errors from the backend', async () => {
		const transport = failingTransport(
			{},
			{
				download_model: bridgeError('Invalid arguments for download_model', {
					fields: [{ field: 'sha256', message: 'String should match pattern' }]
				})
			}
		);
		await useTransport(transport);
		const request = { url: 'https://x/m.gguf', filename: null, sha256: 'abc' };
		expect(await store.start(request)).toBe(false);
		expect(transport.calls).toEqual([['download_model', request]]);
		expect(store.fieldErrors).toEqual({ sha256: 'String should match pattern' });
		await useTransport(
			fakeTransport({ download_model: () => downloadInfo('m.gguf', { status: 'queued' }) })
		);
		expect(await store.start({ ...request, sha256: null })).toBe(true);
		expect(store.fieldErrors).toEqual({});
		expect(store.downloads.map((entry) => entry.id)).toEqual(['a.gguf', 'm.gguf']);
	});

	it('a late answer does not step a running download back to queued', async () => {
		await useTransport(
			fakeTransport({
				download_model: () => {
					progress('m.gguf', { bytes_done: 10 });
					return downloadInfo('m.gguf', { status: 'queued' });
				}
			})
		);
		await store.start({ url: 'https://x/m.gguf', filename: null, sha256: null });
		expect(store.downloads.find((entry) => entry.id === 'm.gguf')?.status).toBe('running');
	});

	it('resumes a failed download by starting the same url, name and checksum again', async () => {
		const failed = downloadInfo('a.gguf', {
			status: 'failed',
			error: 'lost',
			sha256: 'f'.repeat(64)
		});
		const transport = fakeTransport({
			download_model: () => ({ ...failed, status: 'queued', error: null })
		});
		await useTransport(transport);
		BridgeEvents.dispatch({ type: 'download_progress', download: failed });
		expect(await store.resume(failed)).toBe(true);
		expect(transport.calls).toEqual([
			['download_model', { url: failed.url, filename: 'a.gguf', sha256: failed.sha256 }]
		]);
		expect(store.downloads[0]?.status).toBe('queued');
	});

	it('cancel drops the download and ignores its late progress, not a new start', async () => {
		await useTransport(fakeTransport({ cancel_download: () => [] }));
		await store.cancel('a.gguf');
		expect(store.downloads).toEqual([]);
		progress('a.gguf', { bytes_done: 60 });
		expect(store.downloads).toEqual([]);
		progress('a.gguf', { status: 'queued' });
		expect(store.downloads.map((entry) => entry.status)).toEqual(['queued']);
	});

	it('a refused cancel keeps the download and says why', async () => {
		await useTransport(
			failingTransport(
				{},
				{ cancel_download: bridgeError('a.gguf is finished.', { code: 'conflict' }) }
			)
		);
		await store.cancel('a.gguf');
		expect(store.error).toBe('a.gguf is finished.');
		progress('a.gguf', { status: 'done' });
		expect(store.downloads[0]?.status).toBe('done');
	});

	it('clears finished downloads and keeps the others', async () => {
		progress('a.gguf', { status: 'done' });
		progress('b.gguf', { status: 'paused' });
		expect(store.hasFinished).toBe(true);
		await useTransport(
			fakeTransport({
				clear_finished_downloads: () => [downloadInfo('b.gguf', { status: 'paused' })]
			})
		);
		await store.clearFinished();
		expect(store.downloads.map((entry) => entry.id)).toEqual(['b.gguf']);
		expect(store.hasFinished).toBe(false);
	});
});
