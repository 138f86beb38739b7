import { describe, expect, it } from 'vitest';
import { useTransport } from '$lib/services/ipc';
import { fakeTransport } from '$lib/testing/fake-transport';
import { linksStore } from './links.svelte';

describe('linksStore', () => {
	it('hands web and mail links to the backend, and nothing else', async () => {
		const transport = fakeTransport({ open_external: () => ({ opened: true }) });
		await useTransport(transport);
		expect(await linksStore.open('https://example.com/a')).toBe(true);
		expect(await linksStore.open('mailto:someone@example.com')).toBe(true);
		expect(await linksStore.open('javascript:alert(1)')).toBe(false);
		expect(await linksStore.open('file:///etc/passwd')).toBe(false);
		expect(transport.calls).toEqual([
			['open_external', { url: 'https://example.com/a' }],
			['open_external', { url: 'mailto:someone@example.com' }]
		]);
	});
});
