export { BlockSplitter, splitBlocks } from './blocks';
export { RenderCache, hashText } from './cache';
export { COPY_ATTRIBUTE } from './code';
export { renderMarkdown } from './render';
export { sanitizeHtml } from './sanitize';
export { StreamingMarkdown, type MarkdownView, type RenderedBlock } from './streaming';
