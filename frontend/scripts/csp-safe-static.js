/**
 * adapter-static, plus one post-processing step so the SPA runs under a strict CSP.
 *
 * SvelteKit's fallback page boots through an inline `<script>`, which our CSP
 * (`script-src 'self' 'unsafe-eval'`) blocks, and it always uses absolute `/_app/` paths
 * (fallback pages ignore `paths.relative`). pywebview serves the build folder as plain
 * files, so after the adapter runs we move the inline bootstrap into `bootstrap.js`
 * (a classic script, so `document.currentScript` still works) and make every
 * absolute path relative. It also preloads the code of the routes a page opens on
 * (`route-preloads.js`), which the fallback page cannot know about.
 */
import adapter from '@sveltejs/adapter-static';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { addModulePreloads, routePreloads } from './route-preloads.js';

const INLINE_SCRIPT = /<script>([\s\S]*?)<\/script>/;
const ABSOLUTE_PATH = /((?:href|src)="|import\(")\/(?!\/)/g;
const BOOTSTRAP_FILE = 'bootstrap.js';

/**
 * @param {string} html
 * @returns {{ html: string, script: string }}
 */
export function externalizeBootstrap(html) {
	const match = INLINE_SCRIPT.exec(html);
	if (!match) throw new Error('csp-safe-static: no inline bootstrap script in the fallback page');
	const script = (match[1] ?? '').replace(ABSOLUTE_PATH, '$1./').trim() + '\n';
	const tag = `<script src="./${BOOTSTRAP_FILE}"></script>`;
	const rewritten = html.replace(match[0], tag).replace(ABSOLUTE_PATH, '$1./');
	if (INLINE_SCRIPT.test(rewritten)) {
		throw new Error('csp-safe-static: more than one inline script in the fallback page');
	}
	return { html: rewritten, script };
}

/**
 * @param {import('@sveltejs/adapter-static').AdapterOptions & { pages: string, fallback: string }} options
 * @returns {import('@sveltejs/kit').Adapter}
 */
export function cspSafeStatic(options) {
	const inner = adapter(options);
	return {
		name: 'csp-safe-static',
		async adapt(builder) {
			await inner.adapt(builder);
			const page = join(options.pages, options.fallback);
			const { html, script } = externalizeBootstrap(readFileSync(page, 'utf8'));
			const manifest = JSON.parse(
				readFileSync(join(builder.getClientDirectory(), '.vite', 'manifest.json'), 'utf8')
			);
			const preloads = routePreloads(manifest, (key) => readFileSync(resolve(key), 'utf8'));
			writeFileSync(page, addModulePreloads(html, preloads));
			writeFileSync(join(options.pages, BOOTSTRAP_FILE), script);
			builder.log.minor(`Moved the inline bootstrap to ${BOOTSTRAP_FILE}`);
		}
	};
}
