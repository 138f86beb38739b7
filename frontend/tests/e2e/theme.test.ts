import { expect, test } from '@playwright/test';
import { openMock, sendMessage, waitForAnswer } from './helpers';

const SHOTS = 'test-results/screenshots';

test('light and dark themes apply and are captured', async ({ page }) => {
	await page.emulateMedia({ colorScheme: 'light' });
	await openMock(page);
	await sendMessage(page, 'Show me everything');
	await waitForAnswer(page);
	const html = page.locator('html');
	await expect(html).not.toHaveClass(/dark/);
	await page.screenshot({ path: `${SHOTS}/chat-light.png`, fullPage: true });

	const toggle = page.getByTestId('theme-toggle');
	await toggle.click(); // system -> light
	await toggle.click(); // light -> dark
	await expect(html).toHaveClass(/dark/);
	await page.screenshot({ path: `${SHOTS}/chat-dark.png`, fullPage: true });

	await toggle.click(); // dark -> system (light here)
	await expect(html).not.toHaveClass(/dark/);
	await page.emulateMedia({ colorScheme: 'dark' });
	await expect(html).toHaveClass(/dark/);
});

test('the settings page is captured in light and dark', async ({ page }) => {
	for (const scheme of ['light', 'dark'] as const) {
		await page.emulateMedia({ colorScheme: scheme });
		await openMock(page);
		await page.getByRole('link', { name: 'Settings' }).click();
		await expect(page.getByRole('heading', { name: 'Engine', exact: true })).toBeVisible();
		await expect(page.locator('html')).toHaveClass(scheme === 'dark' ? /dark/ : /^(?!.*dark)/);
		await page.screenshot({ path: `${SHOTS}/settings-${scheme}.png` });
	}
});
