import { describe, expect, it } from 'vitest';
import { externalizeBootstrap } from './csp-safe-static.js';

const FALLBACK = `<!doctype html><html><head>
<link href="/_app/immutable/entry/start.js" rel="modulepreload">
<link rel="icon" href="/favicon.svg" />
</head><body><div id="app"><script>
	{
		__sveltekit_x = { base: new URL('.', location).pathname.slice(0, -1) };
		const element = document.currentScript.parentElement;
		Promise.all([import("/_app/immutable/entry/start.js"), import("/_app/immutable/entry/app.js")]);
	}
</script></div></body></html>`;

describe('externalizeBootstrap', () => {
	it('moves the inline bootstrap into bootstrap.js and makes paths relative', () => {
		const { html, script } = externalizeBootstrap(FALLBACK);
		expect(html).toContain('<script src="./bootstrap.js"></script>');
		expect(html).not.toMatch(/<script>/);
		expect(html).toContain('href="./_app/immutable/entry/start.js"');
		expect(html).toContain('href="./favicon.svg"');
		expect(script).toContain('import("./_app/immutable/entry/app.js")');
		expect(script).toContain('document.currentScript.parentElement');
	});

	it('fails loudly when SvelteKit changes its output', () => {
		expect(() => externalizeBootstrap('<html><body></body></html>')).toThrow(/no inline bootstrap/);
	});
});
