import { describe, expect, it } from 'vitest';
import type { ConversationSummary } from '$lib/types';
import { GROUP_LABEL, groupConversations } from './date-groups';

function summary(id: string, updated_at: string, pinned = false): ConversationSummary {
	return {
		id,
		title: id,
		created_at: updated_at,
		updated_at,
		pinned,
		message_count: 0,
		model: null
	};
}

describe('groupConversations', () => {
	it('puts pinned first, then groups by age, newest first', () => {
		const now = new Date('2026-05-20T12:00:00');
		const groups = groupConversations(
			[
				summary('old', '2026-01-01T10:00:00'),
				summary('today-early', '2026-05-20T08:00:00'),
				summary('pinned', '2025-01-01T10:00:00', true),
				summary('yesterday', '2026-05-19T10:00:00'),
				summary('today-late', '2026-05-20T11:00:00'),
				summary('week', '2026-05-15T10:00:00')
			],
			now
		);
		expect(groups.map((group) => group.label)).toEqual([
			GROUP_LABEL.pinned,
			GROUP_LABEL.today,
			GROUP_LABEL.yesterday,
			GROUP_LABEL.week,
			GROUP_LABEL.older
		]);
		expect(groups[1]?.conversations.map((entry) => entry.id)).toEqual([
			'today-late',
			'today-early'
		]);
	});
});
