/** Keyboard shortcuts, all with Ctrl (or ⌘ on macOS). */
export const SHORTCUT = {
	newChat: { key: 'n', shift: true, label: 'Ctrl+Shift+N', description: 'New chat' },
	search: { key: 'k', shift: false, label: 'Ctrl+K', description: 'Search conversations' },
	focusInput: { key: 'l', shift: false, label: 'Ctrl+L', description: 'Focus the message box' },
	toggleSidebar: { key: 'b', shift: false, label: 'Ctrl+B', description: 'Toggle the sidebar' },
	stop: { key: 'Escape', shift: false, label: 'Esc', description: 'Stop generating' }
} as const;
