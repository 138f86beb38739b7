import type { Attachment } from 'svelte/attachments';

const MARGIN = '800px';

/** Calls `onvisible` once, when the element first comes near the viewport. */
export function inView(onvisible: () => void): Attachment<HTMLElement> {
	return (element) => {
		if (typeof IntersectionObserver === 'undefined') {
			onvisible();
			return;
		}
		const observer = new IntersectionObserver(
			(entries) => {
				if (entries.some((entry) => entry.isIntersecting)) {
					observer.disconnect();
					onvisible();
				}
			},
			{ rootMargin: MARGIN }
		);
		observer.observe(element);
		return () => observer.disconnect();
	};
}
