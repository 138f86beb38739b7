/**
 * Module preloads for the route nodes a page is opened on, added to the fallback page.
 *
 * SvelteKit's fallback page preloads the root layout's code only: it cannot know the route,
 * which with hash routing is in the URL's fragment. So the browser fetched the home page's node
 * and the chat it imports only once the layout's modules had run: a second round trip before
 * the first paint, behind a server that is busy starting llama-server. Every route node but
 * the lazy ones (the settings page, opened by a click) is tiny, so all of them, and every chunk
 * they import, are preloaded by the page itself.
 */

/** Route nodes left to load on demand: the generated node's source names their component. */
export const LAZY_ROUTES = /src\/routes\/settings\//;

const NODE_KEY = /\/nodes\/\d+\.js$/;

/**
 * @typedef {{ file: string, imports?: string[] }} ManifestChunk
 * @typedef {Record<string, ManifestChunk>} Manifest
 */

/**
 * The built files of every route node not matched by `lazy`, and of everything they import
 * statically, in a stable order (each node after its imports).
 * @param {Manifest} manifest Vite's client manifest
 * @param {(key: string) => string} nodeSource the source of a generated node, by manifest key
 * @param {RegExp} lazy
 * @returns {string[]}
 */
export function routePreloads(manifest, nodeSource, lazy = LAZY_ROUTES) {
	/** @type {string[]} */
	const files = [];
	const seen = new Set();
	/** @param {string} key */
	const visit = (key) => {
		if (seen.has(key)) return;
		seen.add(key);
		const chunk = manifest[key];
		if (!chunk) throw new Error(`route-preloads: ${key} is not in the manifest`);
		for (const imported of chunk.imports ?? []) visit(imported);
		files.push(chunk.file);
	};
	const nodes = Object.keys(manifest)
		.filter((key) => NODE_KEY.test(key))
		.sort();
	if (nodes.length === 0) throw new Error('route-preloads: no route nodes in the manifest');
	for (const key of nodes) if (!lazy.test(nodeSource(key))) visit(key);
	return files;
}

/**
 * `html` with a `<link rel="modulepreload">` for each of `files` it does not preload yet,
 * after its last one (paths relative to the page, as the fallback page's are).
 * @param {string} html
 * @param {string[]} files
 * @returns {string}
 */
export function addModulePreloads(html, files) {
	const marker = /<link href="[^"]+" rel="modulepreload">/g;
	const last = [...html.matchAll(marker)].at(-1);
	if (!last || last.index === undefined) {
		throw new Error('route-preloads: the fallback page has no modulepreload to follow');
	}
	const links = files
		.filter((file) => !html.includes(`"./${file}"`))
		.map((file) => `\n\t\t<link href="./${file}" rel="modulepreload">`)
		.join('');
	const at = last.index + last[0].length;
	return html.slice(0, at) + links + html.slice(at);
}
