import createDOMPurify, { type Config, type DOMPurify } from 'dompurify';

const CONFIG: Config = {
	USE_PROFILES: { html: true },
	FORBID_TAGS: ['style', 'form', 'input', 'textarea', 'select', 'iframe', 'object', 'embed'],
	ADD_ATTR: ['target']
};

let purifier: DOMPurify | null = null;

/** One DOMPurify with the config set once: passing it per call re-parses it every time. */
function instance(): DOMPurify {
	if (!purifier) {
		purifier = createDOMPurify(globalThis.window);
		purifier.setConfig(CONFIG);
		purifier.addHook('afterSanitizeAttributes', (node) => {
			if (node.tagName === 'A' && node.hasAttribute('href')) {
				node.setAttribute('target', '_blank');
				node.setAttribute('rel', 'noopener noreferrer');
			}
		});
	}
	return purifier;
}

/** Every piece of rendered HTML goes through here before it reaches the DOM. */
export function sanitizeHtml(html: string): string {
	return instance().sanitize(html);
}
