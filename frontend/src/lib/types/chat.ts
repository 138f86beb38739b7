import type { ConversationSummary, Message } from './bridge';

export type MessageRole = Message['role'];
export type MessageStatus = Message['status'];

/** A section of the sidebar: pinned conversations first, then by age. */
export interface ConversationGroup {
	label: string;
	conversations: ConversationSummary[];
}
