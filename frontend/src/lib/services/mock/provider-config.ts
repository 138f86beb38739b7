import type { BridgeFieldError, FailoverRule, ProviderConfig } from '$lib/types';
import { MockFailure } from './errors';

/** `ProviderConfig.base_url`'s pattern, as pydantic quotes it in its message. */
const URL_PATTERN = '^https?://[^\\s/?#]+(/[^\\s?#]*)?$';
const URL_RE = new RegExp(URL_PATTERN);
const POLICIES = ['off', 'ask', 'automatic'];

/** The host of a URL, without IPv6 brackets (`urlsplit(...).hostname`), or null. */
export function hostOf(url: string): string | null {
	try {
		const host = new URL(url).hostname;
		return host.replace(/^\[|\]$/g, '') || null;
	} catch {
		return null;
	}
}

/** The port a URL names, or null when it names none. */
export function portOf(url: string): number | null {
	const match = /^https?:\/\/(?:\[[^\]]*\]|[^/:?#]*):(\d+)/.exec(url);
	return match ? Number(match[1]) : null;
}

/** Port of the checks `ProviderConfig` makes (the pydantic constraints and `_parses`). */
function configProblems(config: ProviderConfig): BridgeFieldError[] {
	const problems: BridgeFieldError[] = [];
	const add = (field: string, message: string) =>
		problems.push({ field: `provider.${field}`, message });
	if (config.name.length < 1) add('name', 'String should have at least 1 character');
	else if (config.name.length > 80) add('name', 'String should have at most 80 characters');
	if (!URL_RE.test(config.base_url))
		add('base_url', `String should match pattern '${URL_PATTERN}'`);
	else {
		const port = portOf(config.base_url);
		if (port !== null && port > 65535)
			add('base_url', 'Value error, not a usable URL (Port out of range 0-65535)');
	}
	if (!(config.timeout_s > 0)) add('timeout_s', 'Input should be greater than 0');
	else if (config.timeout_s > 3600) add('timeout_s', 'Input should be less than or equal to 3600');
	return problems;
}

/** A `ProviderConfig` with pydantic's defaults filled in, refused like the backend refuses it. */
export function checkedConfig(config: Partial<ProviderConfig>, command: string): ProviderConfig {
	const full: ProviderConfig = {
		name: config.name ?? '',
		base_url: config.base_url ?? '',
		timeout_s: config.timeout_s ?? 60,
		enabled: config.enabled ?? true,
		local_network_only: config.local_network_only ?? false,
		can_continue: config.can_continue ?? true
	};
	refuse(configProblems(full), command);
	return full;
}

/** Port of `FailoverRule`'s constraints (the ones the page can trip). */
export function checkRule(rule: FailoverRule): void {
	const problems: BridgeFieldError[] = [];
	if (rule.policy !== undefined && !POLICIES.includes(rule.policy))
		problems.push({
			field: 'rule.policy',
			message: "Input should be 'off', 'ask' or 'automatic'"
		});
	if ((rule.targets ?? []).length > 16)
		problems.push({
			field: 'rule.targets',
			message: 'List should have at most 16 items after validation, not ' + rule.targets?.length
		});
	refuse(problems, 'set_failover');
}

/** The backend's `invalid_argument_from`: one message naming every bad field. */
function refuse(problems: BridgeFieldError[], command: string): void {
	if (problems.length === 0) return;
	const said = problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ');
	throw new MockFailure('invalid_argument', `Invalid arguments for ${command}: ${said}`, problems);
}

function privateV4(parts: number[]): boolean {
	const [a = 0, b = 0] = parts;
	return (
		a === 10 ||
		a === 127 ||
		(a === 172 && b >= 16 && b <= 31) ||
		(a === 192 && b === 168) ||
		(a === 169 && b === 254)
	);
}

/** Whether an address literal (or `localhost`) is loopback, private or link-local. */
function isLocal(host: string): boolean {
	if (host === 'localhost') return true;
	const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
	if (v4) return privateV4(v4.slice(1).map(Number));
	const lower = host.toLowerCase();
	return lower === '::1' || /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower);
}

/**
 * Port of `backend.providers._address.ensure_local_network` for address literals and
 * `localhost` (the mock resolves no names: any other name counts as a public 203.0.113.7).
 */
export function ensureLocalNetwork(name: string, baseUrl: string): void {
	const host = hostOf(baseUrl) ?? '';
	const literal = /^[\d.]+$/.test(host) || host.includes(':') || host === 'localhost';
	const address = literal ? (host === 'localhost' ? '127.0.0.1' : host) : '203.0.113.7';
	if (literal && isLocal(host)) return;
	throw new MockFailure(
		'invalid_argument',
		`Provider '${name}' is marked 'local network only', but ${host} is ${address}, which is ` +
			'not on this machine or the local network; nothing was sent to it.'
	);
}
