import type { TextFile } from '$lib/types';

export const MAX_ATTACHMENT_BYTES = 512 * 1024;

const TEXT_EXTENSIONS =
	/\.(txt|md|markdown|json|csv|tsv|log|py|js|ts|svelte|html|css|xml|yaml|yml|toml|ini|sh|c|h|cpp|rs|go|java|rb|sql)$/i;

export function isTextFile(file: File): boolean {
	return (
		file.type.startsWith('text/') ||
		file.type === 'application/json' ||
		TEXT_EXTENSIONS.test(file.name)
	);
}

/** Read text files; returns what could be attached and a sentence for each file refused. */
export async function readAttachments(
	files: Iterable<File>
): Promise<{ attached: TextFile[]; refused: string[] }> {
	const attached: TextFile[] = [];
	const refused: string[] = [];
	for (const file of files) {
		if (!isTextFile(file)) refused.push(`${file.name} is not a text file.`);
		else if (file.size > MAX_ATTACHMENT_BYTES) refused.push(`${file.name} is larger than 512 KB.`);
		else attached.push({ name: file.name, content: await file.text() });
	}
	return { attached, refused };
}

/** The message text sent to the model: each attachment as a fenced block, then the prompt. */
export function composeMessage(prompt: string, attachments: TextFile[]): string {
	const files = attachments.map((file) => `File: ${file.name}\n\`\`\`\n${file.content}\n\`\`\``);
	return [...files, prompt.trim()].filter(Boolean).join('\n\n');
}
