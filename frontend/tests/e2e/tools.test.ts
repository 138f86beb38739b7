import { expect, test, type Page } from '@playwright/test';
import { openMock, watchErrors } from './helpers';

async function openTools(page: Page, query = ''): Promise<void> {
	await openMock(page, query);
	await page.getByRole('link', { name: 'Settings' }).click();
	await page.getByRole('tab', { name: 'Tools' }).click();
	await expect(page.getByRole('heading', { name: 'Tool servers (MCP)' })).toBeVisible();
}

async function addStdio(page: Page, name: string, command: string): Promise<void> {
	await page.getByRole('button', { name: 'Add server' }).click();
	const form = page.getByRole('form', { name: 'Add a tool server' });
	await form.getByLabel('Name').fill(name);
	await form.getByLabel('Command').fill(command);
	await form.getByLabel('Arguments').fill('-y\n@modelcontextprotocol/server-filesystem');
	await form.getByRole('button', { name: 'Add server' }).click();
	await expect(form).toBeHidden();
}

function server(page: Page, name: string) {
	return page.getByRole('listitem', { name });
}

test('adding a server shows it starting, then ready with its tools and their rules', async ({
	page
}) => {
	const errors = watchErrors(page);
	await openTools(page, '&mock_tool_start=4000'); // long enough to see it starting
	await addStdio(page, 'files', 'npx');
	const item = server(page, 'files');
	await expect(item.getByTestId('tool-server-state')).toHaveAttribute('data-state', 'starting');
	await expect(item.getByTestId('tool-server-state')).toHaveText('Ready · 2 tools', {
		timeout: 15_000
	});
	await expect(item).toContainText('npx -y @modelcontextprotocol/server-filesystem');
	await item.getByRole('button', { name: 'Show the tools of files' }).click();
	await expect(item.getByTestId('tool')).toHaveCount(2);
	await item.getByLabel('Rule for read_file').selectOption('allow');
	await item.getByLabel('Rule for every tool of files').selectOption('deny');
	await page.reload();
	await page.getByRole('tab', { name: 'Tools' }).click();
	// The mock keeps its state only in the page: a reload starts empty, like a fresh backend.
	await expect(page.getByText('No tool servers yet.')).toBeVisible();
	expect(errors).toEqual([]);
});

test('rules stay as set while the page is open', async ({ page }) => {
	await openTools(page);
	await addStdio(page, 'files', 'npx');
	const item = server(page, 'files');
	await expect(item.getByTestId('tool-server-state')).toHaveText('Ready · 2 tools');
	await item.getByRole('button', { name: 'Show the tools of files' }).click();
	await item.getByLabel('Rule for read_file').selectOption('allow');
	await item.getByRole('button', { name: 'Hide the tools of files' }).click();
	await item.getByRole('button', { name: 'Show the tools of files' }).click();
	await expect(item.getByLabel('Rule for read_file')).toHaveValue('allow');
	await expect(item.getByLabel('Rule for search')).toHaveValue('');
});

test('a server that fails shows why and its stderr; disabling and enabling it', async ({
	page
}) => {
	await openTools(page);
	await addStdio(page, 'broken', 'fail-server');
	const item = server(page, 'broken');
	await expect(item.getByTestId('tool-server-state')).toHaveAttribute('data-state', 'failed');
	await expect(item.getByTestId('tool-server-error')).toHaveText('it exited with code 1');
	await item.getByText('Its last output (stderr)').click();
	await expect(item.getByTestId('tool-server-stderr')).toContainText('cannot open the database');
	await item.getByLabel('Enabled').uncheck();
	await expect(item.getByTestId('tool-server-state')).toHaveAttribute('data-state', 'stopped');
	await expect(item.getByRole('button', { name: 'Restart broken' })).toBeDisabled();
	await item.getByLabel('Enabled').check();
	await expect(item.getByTestId('tool-server-state')).toHaveAttribute('data-state', 'failed');
});

test('the backend refuses a stdio server without a command, in its words', async ({ page }) => {
	await openTools(page);
	await page.getByRole('button', { name: 'Add server' }).click();
	const form = page.getByRole('form', { name: 'Add a tool server' });
	await form.getByLabel('Name').fill('nothing');
	await form.getByRole('button', { name: 'Add server' }).click();
	await expect(form.getByTestId('tool-form-error')).toHaveText(
		'Value error, a stdio server needs a command'
	);
});

test('secrets are typed once and never shown back', async ({ page }) => {
	await openTools(page);
	await page.getByRole('button', { name: 'Add server' }).click();
	const form = page.getByRole('form', { name: 'Add a tool server' });
	await form.getByLabel('Name').fill('remote');
	await form.getByLabel('Transport').selectOption('http');
	await form.getByLabel('URL').fill('https://example.com/mcp');
	await form.getByRole('button', { name: 'Add a header' }).click();
	await form.getByLabel('Headers: name 1').fill('Authorization');
	await form.getByLabel('Headers: value 1').fill('Bearer very-secret');
	await form.getByRole('button', { name: 'Add server' }).click();
	const item = server(page, 'remote');
	await expect(item.getByTestId('tool-server-state')).toHaveText('Ready · 2 tools');
	await item.getByRole('button', { name: 'Edit remote' }).click();
	const edit = page.getByRole('form', { name: 'Edit remote' });
	await expect(edit.getByLabel('Headers: name 1')).toHaveValue('Authorization');
	await expect(edit.getByLabel('Headers: value 1')).toHaveValue('');
	await expect(edit.getByLabel('Headers: value 1')).toHaveAttribute(
		'placeholder',
		'Stored (leave empty to keep)'
	);
	await edit.getByRole('button', { name: 'Save' }).click();
	await expect(edit).toBeHidden();
	await expect(page.locator('body')).not.toContainText('very-secret');
});

test('an mcp.json file imports its servers', async ({ page }) => {
	await openTools(page);
	const document = {
		mcpServers: {
			memory: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] },
			old: { type: 'sse', url: 'https://example.com/sse', disabled: true }
		}
	};
	await page.getByTestId('tools-import-input').setInputFiles({
		name: 'mcp.json',
		mimeType: 'application/json',
		buffer: Buffer.from(JSON.stringify(document))
	});
	await expect(page.getByRole('status')).toHaveText('Imported 2 servers.');
	await expect(server(page, 'memory').getByTestId('tool-server-state')).toHaveText(
		'Ready · 2 tools'
	);
	await expect(server(page, 'old').getByTestId('tool-server-state')).toHaveText('Stopped');
});

test('a model whose template cannot call tools says so once a server is enabled', async ({
	page
}) => {
	await openMock(page);
	// The mock's SmolLM2 has its own template, which takes no tools (the others' do).
	await page.getByTestId('model-selector').click();
	await page.getByRole('option', { name: /SmolLM2 360M/ }).click();
	await expect(page.getByTestId('server-status')).toHaveAttribute('data-state', 'ready');
	await page.getByRole('link', { name: 'Settings' }).click();
	await page.getByRole('tab', { name: 'Tools' }).click();
	await expect(page.getByTestId('template-cannot-call-tools')).toBeHidden();
	await addStdio(page, 'files', 'npx');
	await expect(page.getByTestId('template-cannot-call-tools')).toContainText(
		"This model's chat template cannot call tools"
	);
	await server(page, 'files').getByLabel('Enabled').uncheck();
	await expect(page.getByTestId('template-cannot-call-tools')).toBeHidden();
});

test("a tool's own rule stays visible and editable while its server is off, and is summed up", async ({
	page
}) => {
	await openTools(page);
	await addStdio(page, 'files', 'npx');
	const item = server(page, 'files');
	await expect(item.getByTestId('tool-server-rules')).toHaveText('Calls: ask before each call');
	await item.getByRole('button', { name: 'Show the tools of files' }).click();
	await item.getByLabel('Rule for read_file').selectOption('allow');
	await expect(item.getByTestId('tool-server-rules')).toHaveText(
		'Calls: ask before each call · 1 tool has its own rule'
	);
	await item.getByLabel('Enabled').uncheck();
	await expect(item.getByText('Enable it to see its tools.')).toBeVisible();
	const kept = item.getByTestId('tool');
	await expect(kept).toHaveCount(1);
	await expect(kept).toContainText('read_file');
	await expect(kept).toContainText('its rule is kept');
	await expect(item.getByLabel('Rule for read_file')).toHaveValue('allow');
	await item.getByLabel('Rule for read_file').selectOption('deny');
	await item.getByLabel('Rule for every tool of files').selectOption('allow');
	await expect(item.getByTestId('tool-server-rules')).toHaveText(
		'Calls: always allow · 1 tool has its own rule'
	);
	await item.getByLabel('Rule for read_file').selectOption('');
	await expect(item.getByTestId('tool')).toHaveCount(0);
	await expect(item.getByTestId('tool-server-rules')).toHaveText('Calls: always allow');
});
