import type { ConversationSummary, Message } from './bridge';

export type MessageRole = Message['role'];
export type MessageStatus = Message['status'];

/** A section of the sidebar: pinned conversations first, then by age. */
export interface ConversationGroup {
	label: string;
	conversations: ConversationSummary[];
}

/** A text file read in the page (the old way, until the form attaches stored files). */
export interface TextFile {
	name: string;
	content: string;
}
