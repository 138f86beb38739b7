/**
 * Which built JavaScript files every user's page loads: the scripts and module preloads of
 * `build/index.html`, what `bootstrap.js` imports, every route node (SvelteKit loads the
 * layout and page nodes of whatever route is open), and everything those import statically.
 * A chunk reached only through a dynamic `import()` from application code (the mock
 * backend) is not part of it.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const STATIC_IMPORT = /(?:\bimport|\bexport)\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"']+\.js)["']/g;
const BOOTSTRAP_IMPORT = /import\(\s*["']([^"']+\.js)["']\s*\)/g;
const HTML_SCRIPT = /<(?:script[^>]*\bsrc|link[^>]*\bhref)="([^"]+\.js)"/g;

/** @param {RegExp} pattern @param {string} text @returns {string[]} */
function matches(pattern, text) {
	return [...text.matchAll(pattern)].map((match) => match[1] ?? '');
}

/**
 * @param {string} buildDir the adapter-static output (`frontend/build`)
 * @returns {string[]} paths relative to `buildDir`, sorted
 */
export function entryChunks(buildDir) {
	const index = join(buildDir, 'index.html');
	if (!existsSync(index)) {
		throw new Error(`${index} is missing: run \`npm -w frontend run build\` first`);
	}
	const roots = matches(HTML_SCRIPT, readFileSync(index, 'utf8')).map((src) =>
		resolve(buildDir, src)
	);
	const bootstrap = join(buildDir, 'bootstrap.js');
	if (existsSync(bootstrap)) {
		roots.push(
			...matches(BOOTSTRAP_IMPORT, readFileSync(bootstrap, 'utf8')).map((src) =>
				resolve(buildDir, src)
			)
		);
	}
	const nodes = join(buildDir, '_app', 'immutable', 'nodes');
	roots.push(...readdirSync(nodes).map((name) => join(nodes, name)));
	const seen = new Set();
	const queue = [...roots];
	while (queue.length > 0) {
		const file = /** @type {string} */ (queue.pop());
		if (seen.has(file)) continue;
		seen.add(file);
		const code = readFileSync(file, 'utf8');
		queue.push(...matches(STATIC_IMPORT, code).map((src) => resolve(dirname(file), src)));
	}
	return [...seen].map((file) => relative(buildDir, file)).sort();
}

/**
 * Every built JavaScript file, relative to `buildDir`.
 * @param {string} buildDir
 * @returns {string[]}
 */
export function allChunks(buildDir) {
	const root = join(buildDir, '_app', 'immutable');
	return readdirSync(root, { recursive: true, encoding: 'utf8' })
		.filter((name) => name.endsWith('.js'))
		.map((name) => relative(buildDir, join(root, name)))
		.sort();
}
