import type { ConversationGroup, ConversationSummary } from '$lib/types';

const DAY_MS = 86_400_000;

export const GROUP_LABEL = {
	pinned: 'Pinned',
	today: 'Today',
	yesterday: 'Yesterday',
	week: 'Previous 7 days',
	month: 'Previous 30 days',
	older: 'Older'
} as const;

function startOfDay(date: Date): number {
	return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

function labelFor(updatedAt: string, today: number): string {
	const age = today - startOfDay(new Date(updatedAt));
	if (age <= 0) return GROUP_LABEL.today;
	if (age <= DAY_MS) return GROUP_LABEL.yesterday;
	if (age <= 7 * DAY_MS) return GROUP_LABEL.week;
	if (age <= 30 * DAY_MS) return GROUP_LABEL.month;
	return GROUP_LABEL.older;
}

/** Pinned conversations first, then the rest by age; newest first inside each group. */
export function groupConversations(
	conversations: ConversationSummary[],
	now: Date
): ConversationGroup[] {
	const today = startOfDay(now);
	const sorted = [...conversations].sort((a, b) => b.updated_at.localeCompare(a.updated_at));
	const groups = new Map<string, ConversationSummary[]>();
	for (const conversation of sorted) {
		const label = conversation.pinned
			? GROUP_LABEL.pinned
			: labelFor(conversation.updated_at, today);
		const group = groups.get(label) ?? [];
		group.push(conversation);
		groups.set(label, group);
	}
	return Object.values(GROUP_LABEL)
		.filter((label) => groups.has(label))
		.map((label) => ({ label, conversations: groups.get(label) ?? [] }));
}
