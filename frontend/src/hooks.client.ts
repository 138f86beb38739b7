import { dev } from '$app/environment';
import { connectBridge } from '$lib/services/bootstrap';

export function init(): void {
	connectBridge(window, dev);
}
