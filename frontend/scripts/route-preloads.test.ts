import { describe, expect, it } from 'vitest';
import { addModulePreloads, routePreloads } from './route-preloads.js';

const NODES = '.svelte-kit/generated/client-optimized/nodes';
const MANIFEST = {
	[`${NODES}/0.js`]: { file: '_app/immutable/nodes/0.a.js', imports: ['_runtime.js'] },
	[`${NODES}/1.js`]: { file: '_app/immutable/nodes/1.b.js', imports: ['_runtime.js'] },
	[`${NODES}/2.js`]: { file: '_app/immutable/nodes/2.c.js', imports: ['_chat.js'] },
	[`${NODES}/3.js`]: { file: '_app/immutable/nodes/3.d.js', imports: ['_settings.js'] },
	'_chat.js': { file: '_app/immutable/chunks/chat.js', imports: ['_runtime.js'] },
	'_settings.js': { file: '_app/immutable/chunks/settings.js' },
	'_runtime.js': { file: '_app/immutable/chunks/runtime.js' },
	'src/lib/services/transports/mock.ts': { file: '_app/immutable/chunks/mock.js' }
};
const SOURCES: Record<string, string> = {
	[`${NODES}/0.js`]:
		'export { default as component } from "../../../../src/routes/+layout.svelte";',
	[`${NODES}/1.js`]: 'export { default as component } from "@sveltejs/kit/error.svelte";',
	[`${NODES}/2.js`]: 'export { default as component } from "../../../../src/routes/+page.svelte";',
	[`${NODES}/3.js`]:
		'export { default as component } from "../../../../src/routes/settings/+page.svelte";'
};

describe('routePreloads', () => {
	it('lists every route node but the lazy ones, each after what it imports', () => {
		const files = routePreloads(MANIFEST, (key) => SOURCES[key] ?? '');
		expect(files).toEqual([
			'_app/immutable/chunks/runtime.js',
			'_app/immutable/nodes/0.a.js',
			'_app/immutable/nodes/1.b.js',
			'_app/immutable/chunks/chat.js',
			'_app/immutable/nodes/2.c.js'
		]);
	});

	it('fails loudly when the manifest is not what SvelteKit writes', () => {
		expect(() => routePreloads({}, () => '')).toThrow(/no route nodes/);
		const broken = { [`${NODES}/0.js`]: { file: 'n.js', imports: ['_gone.js'] } };
		expect(() => routePreloads(broken, () => '')).toThrow(/_gone\.js is not in the manifest/);
	});
});

describe('addModulePreloads', () => {
	const PAGE = `<head>
		<link href="./_app/immutable/entry/start.js" rel="modulepreload">
		<link href="./_app/immutable/chunks/runtime.js" rel="modulepreload">
		<link href="./_app/immutable/assets/0.css" rel="stylesheet">
	</head>`;

	it('adds the missing preloads after the last one, once each', () => {
		const html = addModulePreloads(PAGE, [
			'_app/immutable/chunks/runtime.js',
			'_app/immutable/nodes/2.c.js'
		]);
		expect(html.match(/chunks\/runtime\.js/g)).toHaveLength(1);
		expect(html).toMatch(
			/runtime\.js" rel="modulepreload">\s*<link href="\.\/_app\/immutable\/nodes\/2\.c\.js" rel="modulepreload">\s*<link href="\.\/_app\/immutable\/assets\/0\.css"/
		);
	});

	it('fails loudly without a preload to follow', () => {
		expect(() => addModulePreloads('<head></head>', ['x.js'])).toThrow(/no modulepreload/);
	});
});
