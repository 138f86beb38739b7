import createDOMPurify, { type DOMPurify } from 'dompurify';

let purifier: DOMPurify | null = null;

function instance(): DOMPurify {
	if (!purifier) {
		purifier = createDOMPurify(globalThis.window);
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
	return instance().sanitize(html, {
		USE_PROFILES: { html: true },
		FORBID_TAGS: ['style', 'form', 'input', 'textarea', 'select', 'iframe', 'object', 'embed'],
		ADD_ATTR: ['target']
	});
}
