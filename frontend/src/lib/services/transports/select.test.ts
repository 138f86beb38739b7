import { describe, expect, it } from 'vitest';
import { chooseTransport } from './select';

const plain = {} as Window;
const desktop = { pywebview: { api: {} } } as unknown as Window;

describe('chooseTransport', () => {
	it('uses the mock when asked, even inside pywebview', () => {
		expect(chooseTransport(new URL('http://x/?bridge=mock'), desktop, false)).toBe('mock');
	});

	it('uses HTTP when the URL carries a token', () => {
		expect(chooseTransport(new URL('http://x/?token=abc'), plain, false)).toBe('http');
	});

	it('uses pywebview in a built app and the mock in Vite dev without pywebview', () => {
		expect(chooseTransport(new URL('http://x/'), desktop, true)).toBe('pywebview');
		expect(chooseTransport(new URL('http://x/'), plain, false)).toBe('pywebview');
		expect(chooseTransport(new URL('http://x/'), plain, true)).toBe('mock');
	});
});
