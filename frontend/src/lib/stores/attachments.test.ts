import { beforeEach, describe, expect, it } from 'vitest';
import { useTransport } from '$lib/services/ipc';
import { MockBackend } from '$lib/services/mock';
import { fakeTransport } from '$lib/testing/fake-transport';
import type { Attachment, CommandName, CommandParams, Transport } from '$lib/types';
import { AttachmentsStore } from './attachments.svelte';

/** The store against the mock backend, which answers the attachment commands like Python. */
function mockTransport(backend: MockBackend, hold?: (name: CommandName) => Promise<void>) {
	const transport: Transport = {
		kind: 'mock',
		invoke: async (name, params) => {
			await hold?.(name);
			return backend.invoke(name, params);
		},
		listen: () => undefined
	};
	return transport;
}

const text = (name: string, content: string) => new File([content], name);

let backend: MockBackend;
let store: AttachmentsStore;

beforeEach(async () => {
	backend = new MockBackend({ emit: () => undefined });
	await useTransport(mockTransport(backend));
	store = new AttachmentsStore();
});

describe('AttachmentsStore', () => {
	it('attaches files and says why each refused one was refused', async () => {
		await store.addFiles([
			text('notes.md', '# Notes\n\nbuy milk'),
			text('scan.pdf', '%PDF-1.4 broken'),
			text('empty.txt', '')
		]);
		expect(store.draft.map((item) => item.attachment.name)).toEqual(['notes.md']);
		expect(store.draft[0]?.attachment.mime_type).toBe('text/markdown');
		expect(store.refused).toEqual([
			'scan.pdf is a damaged PDF: it cannot be read (it may be cut short or not a PDF).',
			'empty.txt is empty.'
		]);
		expect(store.pending).toBe(0);
		await store.addFiles([text('more.txt', 'more')]);
		expect(store.refused).toEqual([]);
		expect(store.draft).toHaveLength(2);
	});

	it('turns long pastes into numbered text files and back into their text', async () => {
		await store.pasteAsFile('first paste');
		await store.pasteAsFile('second paste');
		expect(store.draft.map((item) => [item.attachment.name, item.pasted])).toEqual([
			['pasted-text.txt', true],
			['pasted-text-2.txt', true]
		]);
		expect(await store.backToText(0)).toBe('first paste');
		expect(store.draft.map((item) => item.attachment.name)).toEqual(['pasted-text-2.txt']);
		expect(await store.backToText(5)).toBeNull();
	});

	it('counts each file against the context left and says when the message does not fit', async () => {
		await store.addFiles([text('a.txt', 'one two three')]);
		await store.recount(null, 'hello there');
		expect(store.counts?.context_left).toBe(2043); // the system prompt takes 5
		// `<document name="a.txt">` and `</document>` count as words too, as on the fake server.
		expect(store.tokensAt(0)).toBe(6);
		expect(store.totalTokens).toBe(8);
		expect(store.overflows).toBe(false);

		await store.addFiles([text('big.txt', 'w '.repeat(2100))]);
		expect(store.tokensAt(1)).toBeNull(); // not counted yet
		await store.recount(null, 'hello there');
		expect(store.tokensAt(1)).toBe(2103);
		expect(store.overflows).toBe(true);
		store.remove(1);
		await store.recount(null, 'hello there');
		expect(store.overflows).toBe(false);
		store.remove(0);
		expect(store.counts).toBeNull();
	});

	it('keeps only the latest count when an older one answers last', async () => {
		const releases: (() => void)[] = [];
		await useTransport(
			mockTransport(backend, (name) =>
				name === 'count_message_tokens'
					? new Promise((release) => releases.push(release))
					: Promise.resolve()
			)
		);
		await store.addFiles([text('a.txt', 'alpha beta')]);
		const older = store.recount(null, 'one');
		const newer = store.recount(null, 'one two three');
		await expect.poll(() => releases.length).toBe(2);
		releases[1]?.();
		await newer;
		releases[0]?.();
		await older;
		expect(store.counts?.text_tokens).toBe(3);
	});

	it('sends the pages chosen and opens the text of a file', async () => {
		await store.addFiles([text('a.txt', 'alpha beta')]);
		const id = store.draft[0]?.attachment.id ?? '';
		store.setPages(0, 2, 3);
		expect(store.choices()).toEqual([{ id, name: 'a.txt', first_page: 2, last_page: 3 }]);
		store.setPages(0, null, null);
		await store.open(store.draft[0]?.attachment as Attachment);
		expect(store.viewing?.text).toBe('alpha beta');
		store.close();
		expect(store.viewing).toBeNull();

		await store.open({ ...(store.draft[0]?.attachment as Attachment), id: 'f'.repeat(64) });
		expect(store.viewing).toBeNull();
		expect(store.viewError).toMatch(/is not stored \(any more\); attach the file again\.$/);
	});

	it('takes what the window dialog picked, with the files it refused', async () => {
		const picked = {
			id: 'a'.repeat(64),
			name: 'report.pdf',
			mime_type: 'application/pdf',
			kind: 'document',
			size: 2048,
			page_count: 12,
			char_count: 900,
			first_page: null,
			last_page: null
		} satisfies Attachment;
		const transport = fakeTransport({
			pick_attachments: () => ({
				attachments: [picked],
				refused: [{ name: 'locked.pdf', message: 'locked.pdf is an encrypted PDF.' }]
			})
		});
		await useTransport(transport);
		await store.pick();
		expect(store.draft.map((item) => item.attachment)).toEqual([picked]);
		expect(store.refused).toEqual(['locked.pdf is an encrypted PDF.']);
		expect(transport.calls).toEqual([
			['pick_attachments', {} satisfies CommandParams<'pick_attachments'>]
		]);
		store.clear();
		expect([store.draft, store.refused, store.counts]).toEqual([[], [], null]);
	});
});
