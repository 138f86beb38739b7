import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { cspSafeStatic } from './scripts/csp-safe-static.js';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	compilerOptions: { runes: true },
	kit: {
		adapter: cspSafeStatic({ pages: 'build', assets: 'build', fallback: 'index.html' }),
		router: { type: 'hash' },
		paths: { relative: true }
	}
};

export default config;
