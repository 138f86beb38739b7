/** Hash routes (pywebview serves plain files, so the router works in the URL fragment). */
export const ROUTE = {
	home: '#/',
	settings: '#/settings'
} as const;

export function chatHref(conversationId: string): string {
	return `#/chat/${encodeURIComponent(conversationId)}`;
}
