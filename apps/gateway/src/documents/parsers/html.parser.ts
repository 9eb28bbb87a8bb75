import { HTMLElement, Node, NodeType, parse } from 'node-html-parser';
import type { ParsedDocument } from './parsed-document';

/** Elements whose content is never text for a reader. */
const DROPPED = new Set(['script', 'style', 'noscript', 'template', 'svg', 'iframe', 'object', 'head', 'nav', 'button', 'form']);
/** Elements that end a paragraph. */
const BLOCKS = new Set(['p', 'div', 'section', 'article', 'main', 'header', 'footer', 'aside', 'ul', 'ol', 'li', 'table', 'tr', 'blockquote', 'pre', 'figure', 'figcaption', 'dl', 'dt', 'dd', 'br', 'hr']);

/**
 * HTML to Markdown-like text: h1–h6 become `#` headings (so chunks keep their section), block elements become
 * paragraphs, scripts, styles and navigation are dropped. The title is <title>, else the first <h1>.
 */
export function parseHtml(html: string, fallbackTitle: string): ParsedDocument {
  const root = parse(html, { comment: false, blockTextElements: { script: false, style: false, noscript: false, pre: true } });
  const title = clean(root.querySelector('title')?.textContent ?? '') || clean(root.querySelector('h1')?.textContent ?? '') || fallbackTitle;
  const out: string[] = [];
  let line = '';
  const endParagraph = () => {
    // A `#` starting a paragraph is text, not a heading.
    const text = clean(line).replace(/^#/, '\\#');
    if (text) out.push(text);
    line = '';
  };
  const walk = (node: Node) => {
    if (node.nodeType === NodeType.TEXT_NODE) {
      line += ` ${(node as unknown as { text: string }).text}`;
      return;
    }
    if (node.nodeType !== NodeType.ELEMENT_NODE) return;
    const el = node as HTMLElement;
    const tag = el.rawTagName?.toLowerCase() ?? '';
    if (DROPPED.has(tag)) return;
    const heading = /^h([1-6])$/.exec(tag);
    if (heading) {
      endParagraph();
      const text = clean(el.textContent);
      if (text) out.push(`${'#'.repeat(Number(heading[1]))} ${text}`);
      return;
    }
    const block = BLOCKS.has(tag);
    if (block) endParagraph();
    for (const child of el.childNodes) walk(child);
    if (block) endParagraph();
  };
  walk(root.querySelector('body') ?? root);
  endParagraph();
  return { type: 'html', title, format: 'markdown', sections: [{ text: out.join('\n\n') }] };
}

function clean(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
