/** The image types a vision model takes (the backend's `IMAGE_MIME_TYPES`), for the picker. */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;

/** The longest side of a thumbnail, in CSS pixels at 2× (the form's and the message's). */
export const THUMBNAIL_SIDE = 160;

/** The longest side of an image opened to view it larger. */
export const VIEW_SIDE = 2048;

/** How many thumbnails the page keeps (as `data:` URLs of a few KB each). */
export const THUMBNAILS_KEPT = 200;
