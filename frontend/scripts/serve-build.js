/**
 * Serves `build/` as plain files, the way pywebview does (no SPA fallback, no rendering).
 * `vite preview` would not do: SvelteKit's preview renders the fallback page itself, so it
 * would test SvelteKit's inline bootstrap instead of the files we ship.
 *
 * Usage: node scripts/serve-build.js [port]
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../build', import.meta.url));

/** @type {Record<string, string>} */
const TYPES = {
	'.html': 'text/html; charset=utf-8',
	'.js': 'text/javascript; charset=utf-8',
	'.css': 'text/css; charset=utf-8',
	'.json': 'application/json',
	'.svg': 'image/svg+xml',
	'.png': 'image/png',
	'.woff2': 'font/woff2',
	'.woff': 'font/woff',
	'.ttf': 'font/ttf'
};

/**
 * @param {number} port
 * @returns {import('node:http').Server}
 */
export function serveBuild(port) {
	return createServer((request, response) => {
		const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
		const relative = normalize(pathname === '/' ? '/index.html' : pathname);
		const file = join(root, relative);
		try {
			if (!file.startsWith(root) || !statSync(file).isFile()) throw new Error('not a file');
		} catch {
			response.writeHead(404).end('not found');
			return;
		}
		response.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
		createReadStream(file).pipe(response);
	}).listen(port, '127.0.0.1', () => console.log(`serving ${root} on http://127.0.0.1:${port}`));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) serveBuild(Number(process.argv[2] ?? 4173));
