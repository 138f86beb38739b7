import { ServerService } from '$lib/services/server';

const POLL_MS = 1000;

/** llama-server's recent log lines, polled while a view watches them. */
class ServerLogsStore {
	lines = $state.raw<string[]>([]);
	error = $state<string | null>(null);

	/** Read the lines now and every second; returns the function that stops it. */
	watch(): () => void {
		let stopped = false;
		const poll = async (): Promise<void> => {
			try {
				const lines = await ServerService.logs();
				if (stopped) return;
				this.lines = lines;
				this.error = null;
			} catch (reason) {
				if (!stopped) this.error = reason instanceof Error ? reason.message : String(reason);
			}
		};
		void poll();
		const timer = setInterval(poll, POLL_MS);
		return () => {
			stopped = true;
			clearInterval(timer);
		};
	}
}

export const serverLogsStore = new ServerLogsStore();
