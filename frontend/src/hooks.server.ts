import { dev } from '$app/environment';
import type { Handle } from '@sveltejs/kit';

/**
 * Only for `vite dev`: the dev server boots the page with an inline script and talks to
 * Vite over a websocket, which the shipped CSP forbids. Built files are never touched
 * (the build moves the bootstrap into bootstrap.js instead).
 */
const DEV_CSP: [string, string][] = [
	["script-src 'self' 'unsafe-eval'", "script-src 'self' 'unsafe-eval' 'unsafe-inline'"],
	["connect-src 'self'", "connect-src 'self' ws: wss:"]
];

export const handle: Handle = ({ event, resolve }) =>
	resolve(event, {
		transformPageChunk: ({ html }) =>
			dev ? DEV_CSP.reduce((page, [from, to]) => page.replace(from, to), html) : html
	});
