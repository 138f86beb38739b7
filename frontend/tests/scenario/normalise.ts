/**
 * Makes two backends' answers comparable: what each backend is free to choose is replaced by a
 * placeholder, everything else is kept as it is.
 *
 * - ids become `<id:N>`, numbered in order of first appearance, so the structure (which
 *   message is whose parent, which ids a result lists) is still compared;
 * - timestamps become `<time>`, also inside text; timings and token usage keep their keys only
 *   (they are measurements);
 * - an error's `detail` becomes `<detail>`: it is free text for people (the backend's is often
 *   pydantic's or Python's own report); whether there is one is still compared; so does what a
 *   JSON parser says in a message (`not valid JSON: <parser>.`);
 * - the server's process facts (pid, port, uptime), how long a tool call ran, and a provider
 *   check's latency and backoff (the mock's check may run once more or less) become `<n>`;
 * - the loaded model's name becomes `<model>`, also inside text (the mock serves its own
 *   catalogue);
 * - where tool secrets and API keys are kept (`secret_storage`, `key_store`: a keyring's name or
 *   a file's path) becomes `<where>`.
 */
const ID_KEYS = /(^|_)ids?$/;
const TIME_KEYS = new Set(['created_at', 'updated_at', 'exported_at']);
const PROCESS_KEYS = new Set([
	'pid',
	'port',
	'uptime_s',
	'elapsed_s',
	'duration_ms',
	'latency_ms',
	'next_check_s'
]);
const WHERE_KEYS = new Set(['secret_storage', 'key_store']);
const MEASURED_KEYS = new Set(['timings', 'usage']);
const PARSER_WORDS = /(not valid JSON: ).*\.$/s;
const ISO_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g;

export class Normaliser {
	private readonly ids = new Map<string, string>();

	constructor(private readonly model: string) {}

	/** A placeholder for an id, the same one each time the id appears. */
	id(value: string): string {
		let placeholder = this.ids.get(value);
		if (!placeholder) {
			placeholder = `<id:${this.ids.size + 1}>`;
			this.ids.set(value, placeholder);
		}
		return placeholder;
	}

	value(value: unknown, key = ''): unknown {
		if (Array.isArray(value)) return value.map((item) => this.value(item, key));
		if (typeof value === 'string') return this.text(value, key);
		if (value === null || typeof value !== 'object') {
			return PROCESS_KEYS.has(key) && typeof value === 'number' ? '<n>' : value;
		}
		if (MEASURED_KEYS.has(key)) return `<${key}: ${Object.keys(value).sort().join(' ')}>`;
		return Object.fromEntries(
			Object.entries(value)
				.sort(([a], [b]) => a.localeCompare(b))
				.map(([name, item]) => [name, this.value(item, name)])
		);
	}

	private text(value: string, key: string): string {
		if (ID_KEYS.test(key)) return this.id(value);
		if (TIME_KEYS.has(key)) return '<time>';
		if (key === 'detail') return '<detail>';
		if (WHERE_KEYS.has(key)) return '<where>';
		if (key === 'message') value = value.replace(PARSER_WORDS, '$1<parser>.');
		// The model's name also stands inside text (the Markdown export names who wrote each answer).
		const named = this.model ? value.replaceAll(this.model, '<model>') : value;
		return named.replace(ISO_TIME, '<time>');
	}
}
