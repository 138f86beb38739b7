/** What the mock model answers. Commands starting with `/` trigger scripted behaviour. */
export const MOCK_COMMAND = {
	crash: '/crash',
	fail: '/fail',
	/** The local model stops answering under an `ask` failover rule (`/failover early`: before
	 * its first word). */
	failover: '/failover',
	long: '/long',
	think: '/think',
	/** `/tool` reads a file; `/tool big` gets a result over the size limit; `/tool slow` runs a
	 * minute; `/tools` makes two calls at once. */
	tool: '/tool'
} as const;

/** A call the mock model makes: a function name and its arguments as JSON text. */
export interface ScriptedCall {
	name: string;
	arguments: string;
}

const SAMPLE_REPLY = `Here is a short answer with **markdown**.

- a list item
- another item

| Name | Value |
| ---- | ----- |
| alpha | 1 |
| beta | 2 |

\`\`\`python
def greet(name: str) -> str:
    return f"Hello, {name}!"
\`\`\`

Euler's identity: $e^{i\\pi} + 1 = 0$.
`;

const LONG_SECTION = (index: number) => `## Section ${index}

Paragraph ${index} explains the idea in a few sentences with some *emphasis* and \`inline code\`, so the renderer has real work to do on every block.

1. first point of section ${index}
2. second point with a [link](https://example.com/${index})
3. third point

| Column A | Column B | Column C |
| -------- | -------- | -------- |
| a${index} | b${index} | c${index} |
| d${index} | e${index} | f${index} |

\`\`\`ts
export function section${index}(input: number): number {
	const doubled = input * 2;
	return doubled + ${index};
}
\`\`\`

`;

/** Splits text into word-sized tokens that concatenate back to the original. */
export function tokenize(text: string): string[] {
	return text.match(/\s*\S+|\s+/g) ?? [];
}

/** A markdown answer of roughly `tokenCount` tokens: sections with lists, tables and code. */
export function longReply(tokenCount: number): string[] {
	const tokens: string[] = [];
	for (let index = 1; tokens.length < tokenCount; index += 1) {
		tokens.push(...tokenize(LONG_SECTION(index)));
	}
	return tokens.slice(0, tokenCount);
}

export interface ScriptedReply {
	tokens: string[];
	reasoning: string[];
	outcome: 'complete' | 'crash' | 'fail' | 'failover';
	/** `failover`: the tokens the next provider adds after the question. */
	rest?: string[];
	/** Tool calls the model makes after its text (then the answer goes on in a new message). */
	toolCalls?: ScriptedCall[];
	/** What the model says after reading the calls' results (whether any ran). */
	after?: (anyRan: boolean) => ScriptedReply;
}

/** The `/tool` prompts: text, then one or two calls. */
function toolReply(text: string): ScriptedReply {
	const [command, kind] = text.split(/\s+/);
	const both = command === `${MOCK_COMMAND.tool}s`;
	const file = kind === 'big' || kind === 'slow' ? `${kind}.txt` : 'notes.txt';
	const read = { name: 'read_file', arguments: JSON.stringify({ path: file }) };
	const search = { name: 'search', arguments: JSON.stringify({ query: 'plumber' }) };
	return {
		tokens: tokenize(both ? 'Let me read the notes and search them.' : 'Let me read the notes.'),
		reasoning: [],
		outcome: 'complete',
		toolCalls: both ? [read, search] : [read],
		after: afterToolsReply
	};
}

const MARKER = /\[\[tool:([A-Za-z0-9_.-]+)\s*(.*?)\]\]/gs;
const THEN = '[[then]]';

/**
 * Port of `tool_reply` in `tests/scenario/fake_llama_server.py`, the scenario's model: when tools
 * are offered, a prompt's `[[tool:NAME {args}]]` markers are calls (several: parallel calls, their
 * arguments as written), `[[then]]` separates rounds, and after the last the answer is as usual.
 */
export function markerReply(prompt: string, round = 0): ScriptedReply | null {
	const rounds = prompt.split(THEN);
	const markers = [...(rounds[round] ?? '').matchAll(MARKER)];
	if (markers.length === 0) return null;
	return {
		tokens: [],
		reasoning: [],
		outcome: 'complete',
		toolCalls: markers.map(([, name, args]) => ({
			name: name ?? '',
			arguments: args?.trim() || '{}'
		})),
		after: () => markerReply(prompt, round + 1) ?? replyFor('')
	};
}

/** What the model says after reading its calls' results: whether any of them ran. */
export function afterToolsReply(anyRan: boolean): ScriptedReply {
	return {
		tokens: tokenize(
			anyRan
				? 'The notes say to buy milk and to call the plumber on Tuesday.'
				: 'I could not read the notes, so I cannot tell what they say.'
		),
		reasoning: [],
		outcome: 'complete'
	};
}

export function replyFor(prompt: string): ScriptedReply {
	const text = prompt.trim();
	const command = text.split(/\s+/)[0];
	if (command === MOCK_COMMAND.tool || command === `${MOCK_COMMAND.tool}s`) return toolReply(text);
	if (text.startsWith(MOCK_COMMAND.long)) {
		const count = Number.parseInt(text.slice(MOCK_COMMAND.long.length).trim(), 10);
		return {
			tokens: longReply(Number.isFinite(count) ? count : 2000),
			reasoning: [],
			outcome: 'complete'
		};
	}
	if (text.startsWith(MOCK_COMMAND.think)) {
		// `/think long` thinks for a while (a few hundred tokens), so it can be told to stop.
		const steps = text.includes('long') ? 60 : 1;
		return {
			tokens: tokenize('The answer is 42.'),
			reasoning: tokenize(
				'Let me think about this step by step. '.repeat(steps) + 'Six times seven is 42.'
			),
			outcome: 'complete'
		};
	}
	if (text.startsWith(MOCK_COMMAND.failover)) {
		const early = text.includes('early');
		return {
			tokens: early ? [] : tokenize('The local model began this answer'),
			reasoning: [],
			outcome: 'failover',
			rest: tokenize(early ? 'Paris is the capital of France.' : ' and Desktop finished it.')
		};
	}
	if (text.startsWith(MOCK_COMMAND.crash)) {
		return { tokens: tokenize('Partial answer before the crash'), reasoning: [], outcome: 'crash' };
	}
	if (text.startsWith(MOCK_COMMAND.fail)) {
		return { tokens: tokenize('Partial answer before the error'), reasoning: [], outcome: 'fail' };
	}
	return { tokens: tokenize(SAMPLE_REPLY), reasoning: [], outcome: 'complete' };
}
