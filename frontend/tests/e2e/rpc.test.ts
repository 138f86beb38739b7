import { expect, test, type Page } from '@playwright/test';
import { openMock, watchErrors } from './helpers';

async function openPanel(page: Page) {
	await openMock(page);
	await page.getByRole('link', { name: 'Settings' }).click();
	return page.getByTestId('rpc-workers');
}

async function addWorker(page: Page, address: string): Promise<void> {
	const panel = page.getByTestId('rpc-workers');
	await panel.getByLabel('Worker address').fill(address);
	await panel.getByRole('button', { name: 'Add' }).click();
	// The list is a restart setting: the page offers to restart now; not yet.
	await page.getByRole('alertdialog').getByRole('button', { name: 'Later' }).click();
}

function row(page: Page, address: string) {
	return page.getByTestId('rpc-worker').filter({ hasText: address });
}

test('workers are added, checked, switched off and removed in Settings → Engine', async ({
	page
}) => {
	const errors = watchErrors(page);
	const panel = await openPanel(page);
	await expect(panel).toContainText('No workers: the model runs on this machine.');
	await addWorker(page, '10.0.0.5:50052');
	const worker = row(page, '10.0.0.5:50052');
	await expect(worker.getByTestId('rpc-worker-state')).toHaveText('in use');
	await expect(worker.getByTestId('rpc-worker-detail')).toContainText('RPC0 · 12.0 GB free');
	await expect(panel.getByTestId('rpc-spread')).toContainText('10.0.0.5:50052 (RPC0)');

	await addWorker(page, '10.0.0.6:1');
	const refused = row(page, '10.0.0.6:1');
	await expect(refused.getByTestId('rpc-worker-state')).toHaveText('refused');
	await expect(refused.getByTestId('rpc-worker-detail')).toHaveText(
		'connection refused: no worker listens there'
	);
	await expect(panel.getByTestId('rpc-note')).toContainText('Started without worker 10.0.0.6:1');

	await worker.getByLabel('Use 10.0.0.5:50052').uncheck();
	await page.getByRole('alertdialog').getByRole('button', { name: 'Later' }).click();
	await expect(worker.getByTestId('rpc-worker-state')).toHaveText('reachable');
	await refused.getByRole('button', { name: 'Remove' }).click();
	await page.getByRole('alertdialog').getByRole('button', { name: 'Later' }).click();
	await expect(page.getByTestId('rpc-worker')).toHaveCount(1);
	expect(errors).toEqual([]);
});

test('an address that is not host:port is refused before it is saved', async ({ page }) => {
	const panel = await openPanel(page);
	await panel.getByLabel('Worker address').fill('just-a-name');
	await panel.getByRole('button', { name: 'Add' }).click();
	await expect(panel.getByRole('alert')).toContainText('is not host:port');
	await expect(page.getByTestId('rpc-worker')).toHaveCount(0);
});

test('the local worker warns when it would listen on the network', async ({ page }) => {
	const panel = await openPanel(page);
	await expect(panel.getByTestId('rpc-network-warning')).toHaveCount(0);
	await panel.getByLabel('Listen on').fill('0.0.0.0');
	await expect(panel.getByTestId('rpc-network-warning')).toContainText('no authentication');
	await panel.getByLabel('Run a worker on this machine').check();
	await expect(panel.getByTestId('rpc-local-state')).toHaveText('running');
	await expect(panel.getByTestId('rpc-network-warning')).toContainText(
		'The RPC worker listens on 0.0.0.0'
	);
});
