import { expect, test } from '@playwright/test';
import { openMock, watchErrors } from './helpers';

test('a database recovered at start is announced with where the original is', async ({ page }) => {
	const errors = watchErrors(page);
	await openMock(page, '&mock_recovery=1');
	const notice = page.getByTestId('recovery-notice');
	await expect(notice).toContainText('recovered 12 conversations and 85 messages');
	await expect(notice.getByTestId('recovery-path')).toHaveText(
		'/home/user/.local/share/llamadesk/conversations.db.bad-20260302T101500.000000Z'
	);
	await expect(notice).toContainText('may hold more');
	await notice.getByRole('button', { name: 'Dismiss' }).click();
	await expect(notice).toBeHidden();
	expect(errors).toEqual([]);
});

test('a sound database shows no notice', async ({ page }) => {
	await openMock(page);
	await expect(page.getByTestId('recovery-notice')).toHaveCount(0);
});

test('settings list the backups and restore one after asking', async ({ page }) => {
	await openMock(page);
	await page.getByRole('link', { name: 'Settings' }).click();
	const backups = page.getByTestId('backups');
	await expect(backups).toContainText('/home/user/.local/share/llamadesk/backups');
	await expect(backups.getByRole('button', { name: 'Restore' })).toHaveCount(2);
	await backups.getByRole('button', { name: 'Restore' }).first().click();
	const dialog = page.getByRole('alertdialog');
	await expect(dialog).toContainText('Restore this backup?');
	await dialog.getByRole('button', { name: 'Restore' }).click();
	await expect(backups.getByTestId('restored')).toContainText(
		'conversations.before-restore-20260302-103000.db'
	);
});
