import { PYWEBVIEW_READY_EVENT, PYWEBVIEW_READY_TIMEOUT_MS } from '$lib/constants/bridge';
import type { CommandName, CommandParams, CommandResult, Envelope, Transport } from '$lib/types';

function hasApi(target: Window): boolean {
	return Object.keys(target.pywebview?.api ?? {}).length > 0;
}

/** Resolves once `window.pywebview.api` is populated (it is `{}` before `pywebviewready`). */
export function waitForPywebview(target: Window): Promise<void> {
	if (hasApi(target)) return Promise.resolve();
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			reject(new Error('The desktop bridge did not become ready.'));
		}, PYWEBVIEW_READY_TIMEOUT_MS);
		target.addEventListener(
			PYWEBVIEW_READY_EVENT,
			() => {
				clearTimeout(timer);
				resolve();
			},
			{ once: true }
		);
	});
}

/** Calls `window.pywebview.api[name](params)`; events arrive through `window.llamadesk.emit`. */
export function createPywebviewTransport(target: Window): Transport {
	return {
		kind: 'pywebview',
		async invoke<K extends CommandName>(name: K, params: CommandParams<K>) {
			const method = target.pywebview?.api[name];
			if (!method) throw new Error(`The desktop bridge has no command ${name}.`);
			return (await method(params)) as Envelope<CommandResult<K>>;
		},
		listen() {
			// pywebview pushes events with evaluate_js; nothing to pull.
		}
	};
}
