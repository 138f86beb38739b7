/** The attribute of a rendered code block's copy button (clicks are delegated to it). */
export const COPY_ATTRIBUTE = 'data-copy-code';
