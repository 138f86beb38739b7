/** Settings leaves the UI itself reads. */
export const SETTING = {
	theme: 'appearance.theme',
	sendOnEnter: 'behaviour.send_on_enter',
	dropOldestTurns: 'behaviour.drop_oldest_turns'
} as const;

export const DARK_CLASS = 'dark';
export const DARK_QUERY = '(prefers-color-scheme: dark)';
