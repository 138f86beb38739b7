import { call } from './ipc';

const EXTERNAL_URL = /^(https?:|mailto:)/i;

/** Links leave the app through the backend, which opens them in the system browser. */
export const ExternalService = {
	canOpen: (url: string): boolean => EXTERNAL_URL.test(url),
	open: (url: string) => call('open_external', { url })
};
