/** View state shared across screens: sidebar visibility and focus requests. */
class UiStore {
	sidebarOpen = $state(true);
	/** Incremented to ask the chat form / the search box to take focus. */
	focusInputRequest = $state(0);
	focusSearchRequest = $state(0);
	logsOpen = $state(false);

	toggleSidebar(): void {
		this.sidebarOpen = !this.sidebarOpen;
	}

	focusInput(): void {
		this.focusInputRequest += 1;
	}

	focusSearch(): void {
		this.sidebarOpen = true;
		this.focusSearchRequest += 1;
	}
}

export const uiStore = new UiStore();
