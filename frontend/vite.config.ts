import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [tailwindcss(), sveltekit()],
	server: { port: 5173, strictPort: true },
	preview: { port: 4173, strictPort: true },
	// Tests get Svelte's client runtime, whose effects run (as Svelte's testing guide sets it).
	resolve: process.env.VITEST ? { conditions: ['browser'] } : undefined,
	test: {
		include: ['src/**/*.test.ts', 'scripts/**/*.test.ts', 'tests/scenario/**/*.test.ts'],
		environment: 'node',
		passWithNoTests: false
	}
});
