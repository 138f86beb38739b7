import type { BridgeFieldError } from '$lib/types';

/**
 * The export document's shape (`backend/chat` `ExportDocument`), checked the way pydantic checks
 * it, with pydantic's wording: each field in order, then keys the format does not have. Ported so
 * a file the backend refuses is refused by the mock too, naming the same fields.
 */
type Check = (value: unknown) => string | null;
type Shape = Record<string, { check: Check; required?: boolean; nested?: Shape; list?: boolean }>;

const ID_PATTERN = /^[A-Za-z0-9_-]+$/;

export const isObject = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

const text =
	(max?: number): Check =>
	(value) => {
		if (typeof value !== 'string') return 'Input should be a valid string';
		if (max !== undefined && value.length > max)
			return `String should have at most ${max} characters`;
		return null;
	};

const id: Check = (value) => {
	if (typeof value !== 'string') return 'Input should be a valid string';
	if (value.length < 1) return 'String should have at least 1 character';
	if (value.length > 64) return 'String should have at most 64 characters';
	return ID_PATTERN.test(value) ? null : `String should match pattern '${ID_PATTERN.source}'`;
};

const optional =
	(check: Check): Check =>
	(value) =>
		value === null ? null : check(value);

const oneOf =
	(...options: (string | number)[]): Check =>
	(value) => {
		if (options.includes(value as string | number)) return null;
		const quoted = options.map((option) => (typeof option === 'string' ? `'${option}'` : option));
		const listed =
			quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` : quoted[0];
		return `Input should be ${listed}`;
	};

const boolean: Check = (value) =>
	typeof value === 'boolean' ? null : 'Input should be a valid boolean';
const mapping =
	(name: string): Check =>
	(value) =>
		isObject(value) ? null : `Input should be a valid dictionary${name}`;

const HASH_PATTERN = /^[0-9a-f]{64}$/;
const hash: Check = (value) => {
	if (typeof value !== 'string') return 'Input should be a valid string';
	return HASH_PATTERN.test(value) ? null : `String should match pattern '${HASH_PATTERN.source}'`;
};
const page: Check = (value) =>
	value === null || (Number.isInteger(value) && (value as number) >= 1)
		? null
		: 'Input should be greater than or equal to 1';
const whole: Check = (value) =>
	Number.isInteger(value) ? null : 'Input should be a valid integer';

const PART: Shape = {
	id: { check: hash, required: true },
	name: { check: text(255), required: true },
	first_page: { check: page },
	last_page: { check: page }
};

const FILE: Shape = {
	id: { check: hash, required: true },
	name: { check: text(255), required: true },
	mime_type: { check: text(200), required: true },
	kind: { check: oneOf('document', 'image'), required: true },
	size: { check: whole, required: true },
	text: { check: optional(text()) },
	page_offsets: {
		check: (value) =>
			value === null || Array.isArray(value) ? null : 'Input should be a valid list'
	},
	created_at: { check: text(), required: true },
	data: { check: text(), required: true }
};

const MESSAGE: Shape = {
	id: { check: id, required: true },
	parent_id: { check: optional(id) },
	role: { check: oneOf('system', 'user', 'assistant'), required: true },
	content: { check: text(), required: true },
	reasoning: { check: text() },
	status: { check: oneOf('streaming', 'complete', 'cancelled', 'error') },
	created_at: { check: text(), required: true },
	error: { check: optional(text()) },
	timings: { check: optional(mapping(' or instance of Timings')) },
	usage: { check: optional(mapping('')) },
	model: { check: optional(text()) },
	tool_calls: { check: (value) => (Array.isArray(value) ? null : 'Input should be a valid list') },
	probs: {
		check: optional((value) => (Array.isArray(value) ? null : 'Input should be a valid list'))
	},
	reasoning_ms: {
		check: optional((value) =>
			typeof value === 'number' ? null : 'Input should be a valid number'
		)
	},
	provider_id: { check: optional(id) },
	provider_name: { check: optional(text(200)) },
	failover: { check: optional(text(2000)) },
	attachments: {
		check: mapping(' or instance of ExportedPart'),
		nested: PART,
		list: true
	}
};

const CONVERSATION: Shape = {
	id: { check: id, required: true },
	title: { check: text(1000), required: true },
	created_at: { check: text(), required: true },
	updated_at: { check: text(), required: true },
	pinned: { check: boolean },
	model: { check: optional(text()) },
	system_prompt: { check: optional(text()) },
	params: { check: mapping('') },
	options: { check: mapping(' or instance of ConversationOptions') },
	active_leaf_id: { check: optional(id) },
	provider_id: { check: id },
	provider_model: { check: optional(text(500)) },
	messages: {
		check: mapping(' or instance of ExportedMessage'),
		nested: MESSAGE,
		list: true
	}
};

const DOCUMENT: Shape = {
	format: { check: oneOf('llamadesk.conversations'), required: true },
	version: { check: oneOf(1), required: true },
	exported_at: { check: optional(text()) },
	conversations: {
		check: mapping(' or instance of ExportedConversation'),
		nested: CONVERSATION,
		list: true,
		required: true
	},
	attachments: {
		check: mapping(' or instance of ExportedFile'),
		nested: FILE,
		list: true
	}
};

function checkShape(
	value: Record<string, unknown>,
	shape: Shape,
	path: string,
	errors: BridgeFieldError[]
): void {
	for (const [name, field] of Object.entries(shape)) {
		const where = `${path}${name}`;
		if (!(name in value)) {
			if (field.required) errors.push({ field: where, message: 'Field required' });
			continue;
		}
		const item = value[name];
		if (!field.list) {
			const problem = field.check(item);
			if (problem) errors.push({ field: where, message: problem });
			continue;
		}
		if (!Array.isArray(item)) {
			errors.push({ field: where, message: 'Input should be a valid list' });
			continue;
		}
		item.forEach((entry, index) => {
			const problem = field.check(entry);
			if (problem) errors.push({ field: `${where}.${index}`, message: problem });
			else if (field.nested && isObject(entry))
				checkShape(entry, field.nested, `${where}.${index}.`, errors);
		});
	}
	for (const name of Object.keys(value)) {
		if (!(name in shape))
			errors.push({ field: `${path}${name}`, message: 'Extra inputs are not permitted' });
	}
}

/** The field errors of a parsed export document (empty when it has the export's shape). */
export function exportDocumentErrors(document: Record<string, unknown>): BridgeFieldError[] {
	const errors: BridgeFieldError[] = [];
	checkShape(document, DOCUMENT, '', errors);
	return errors.slice(0, 20);
}
