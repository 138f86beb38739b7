/** A paste longer than this many characters becomes a text attachment (it can be turned back). */
export const PASTE_AS_FILE_CHARS = 2_500;

/** The name a long paste is attached under (numbered when there are several). */
export const PASTED_FILE_NAME = 'pasted-text';

/** How long the form waits after the last keystroke before counting tokens again. */
export const RECOUNT_DELAY_MS = 400;
