import { defineConfig } from '@playwright/test';

const CHROMIUM = '/usr/bin/chromium';
/** The preview server's port; PW_PORT lets parallel checkouts run their e2e tests side by side. */
const PORT = Number(process.env.PW_PORT ?? 4173);

export default defineConfig({
	testDir: 'tests/e2e',
	outputDir: 'test-results/artifacts',
	workers: 1,
	forbidOnly: true,
	retries: 0,
	timeout: 30_000,
	reporter: [['list']],
	use: {
		baseURL: `http://127.0.0.1:${PORT}`,
		launchOptions: {
			executablePath: CHROMIUM,
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync',
				'--no-first-run'
			]
		},
		trace: 'retain-on-failure'
	},
	webServer: {
		command: `node scripts/serve-build.js ${PORT}`,
		url: `http://127.0.0.1:${PORT}`,
		reuseExistingServer: false,
		timeout: 60_000
	}
});
