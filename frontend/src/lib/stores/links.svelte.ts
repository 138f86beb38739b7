import { ExternalService } from '$lib/services/external';

/** Links the page opens outside the app: in the system browser, through the backend. */
class LinksStore {
	/** Open `url` if it is a web or mail link; returns whether it was handed to the browser. */
	async open(url: string): Promise<boolean> {
		if (!ExternalService.canOpen(url)) return false;
		await ExternalService.open(url);
		return true;
	}
}

export const linksStore = new LinksStore();
