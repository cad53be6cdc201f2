/** The safe Markdown renderer now lives in the component kit (runbooks use it too); post-mortem pages import it here. */
export { Markdown, parseBlocks, renderInline, safeHref } from '../../components/markdown.js';
