import { SvelteSet } from 'svelte/reactivity';

/** View state shared across screens: sidebar visibility, focus requests, and which answers show
 * their tokens (kept here, not in the message's component, which the virtualised list unmounts
 * and mounts again as it scrolls or re-measures). */
class UiStore {
	sidebarOpen = $state(true);
	/** Incremented to ask the chat form / the search box to take focus. */
	focusInputRequest = $state(0);
	focusSearchRequest = $state(0);
	logsOpen = $state(false);
	/** The answers shown as their tokens, shaded by probability, by message id. */
	private tokenViews = new SvelteSet<string>();

	toggleSidebar(): void {
		this.sidebarOpen = !this.sidebarOpen;
	}

	focusInput(): void {
		this.focusInputRequest += 1;
	}

	/** Whether the answer `messageId` is shown as its tokens. */
	tokensShown(messageId: string): boolean {
		return this.tokenViews.has(messageId);
	}

	showTokens(messageId: string, shown: boolean): void {
		if (shown) this.tokenViews.add(messageId);
		else this.tokenViews.delete(messageId);
	}

	focusSearch(): void {
		this.sidebarOpen = true;
		this.focusSearchRequest += 1;
	}
}

export const uiStore = new UiStore();
