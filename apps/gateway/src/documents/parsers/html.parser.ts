import type { ParsedDocument } from './parsed-document';
import { runParserWorker } from './parser-worker';

/** Elements whose content is never text for a reader. */
const DROPPED = new Set(['script', 'style', 'noscript', 'template', 'svg', 'iframe', 'object', 'head', 'nav', 'button', 'form']);
/** Elements that end a paragraph. */
const BLOCKS = new Set(['p', 'div', 'section', 'article', 'main', 'header', 'footer', 'aside', 'ul', 'ol', 'li', 'table', 'tr', 'blockquote', 'pre', 'figure', 'figcaption', 'dl', 'dt', 'dd', 'br', 'hr']);
const HEADINGS: Record<string, number> = { h1: 1, h2: 2, h3: 3, h4: 4, h5: 5, h6: 6 };

/** A real page nests a few dozen elements deep; a file nested deeper than this is refused rather than walked. */
export const MAX_HTML_DEPTH = 1000;

export interface HtmlLimits {
  maxDepth: number;
  timeoutMs: number;
}

/** An HTML file Relay will not read: nested too deep, or too slow to parse. The message says which. */
export class HtmlReadError extends Error {}

/**
 * node-html-parser in a worker thread: its parse is superlinear on some inputs (thousands of unclosed tags take
 * minutes), so it runs where a time limit can stop it. The worker walks the tree with an explicit stack (deep
 * nesting made a recursive walk overflow the stack: RangeError, answered 500) and sends back a flat list of events:
 * [1, tag] opens an element, [2] closes it, [3, text] is text.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
try {
  const { parse } = require(workerData.modulePath);
  const root = parse(workerData.html, { comment: false, blockTextElements: { script: false, style: false, noscript: false, pre: true } });
  const events = [];
  const stack = [[root, 0]];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const children = top[0].childNodes;
    if (top[1] >= children.length) {
      stack.pop();
      if (stack.length) events.push(2);
      continue;
    }
    const node = children[top[1]++];
    if (node.nodeType === 3) {
      events.push(3, node.text);
    } else if (node.nodeType === 1) {
      if (stack.length > workerData.maxDepth) throw Object.assign(new Error(String(workerData.maxDepth)), { name: 'TooDeep' });
      events.push(1, (node.rawTagName || '').toLowerCase());
      stack.push([node, 0]);
    }
  }
  parentPort.postMessage({ ok: true, events });
} catch (err) {
  parentPort.postMessage({ ok: false, name: err && err.name, message: String((err && err.message) || err) });
}
`;

/**
 * HTML to Markdown-like text: h1–h6 become `#` headings (so chunks keep their section), block elements become
 * paragraphs, scripts, styles and navigation are dropped. The title is <title>, else the first <h1>.
 */
export async function parseHtml(html: string, fallbackTitle: string, limits: HtmlLimits = { maxDepth: MAX_HTML_DEPTH, timeoutMs: 20_000 }): Promise<ParsedDocument> {
  const reply = await runParserWorker<{ events: Array<string | number> }>(
    WORKER_SOURCE,
    { modulePath: require.resolve('node-html-parser'), html, maxDepth: limits.maxDepth },
    { timeoutMs: limits.timeoutMs, maxHeapMb: 512 },
  );
  if (!reply.ok) {
    if (reply.name === 'TooDeep') throw new HtmlReadError(`its elements are nested more than ${limits.maxDepth} deep`);
    throw new HtmlReadError(reply.message);
  }
  return htmlEventsToDocument(reply.events, fallbackTitle);
}

/** The events of parseHtml's worker as a document; iterative, so any depth the worker allowed is fine here. */
export function htmlEventsToDocument(events: Array<string | number>, fallbackTitle: string): ParsedDocument {
  const hasBody = events.some((e, i) => e === 1 && events[i + 1] === 'body');
  const tags: string[] = [];
  const out: string[] = [];
  let line = '';
  let titleText: string | undefined;
  let firstH1: string | undefined;
  let collecting: { tag: string; depth: number; text: string } | undefined; // a <title> or heading being read
  let bodyDepth = hasBody ? -1 : 0; // depth at which the walked part starts; -1: not inside it yet
  let dropDepth = -1; // inside a dropped element opened at this depth
  const endParagraph = () => {
    // A `#` starting a paragraph is text, not a heading.
    const text = clean(line);
    if (text) out.push(text.startsWith('#') ? `\\${text}` : text);
    line = '';
  };
  // Whether a node at this depth (the root's children are at 1) is part of the text: inside the body (or the whole
  // document when it has none), and not inside a dropped element.
  const walked = (depth: number) => bodyDepth >= 0 && depth > bodyDepth && dropDepth < 0;

  for (let i = 0; i < events.length; i++) {
    const kind = events[i];
    if (kind === 1) {
      const tag = String(events[++i]);
      tags.push(tag);
      if (bodyDepth < 0 && tag === 'body') bodyDepth = tags.length;
      if (!collecting && (tag === 'title' || HEADINGS[tag])) collecting = { tag, depth: tags.length, text: '' };
      if (!walked(tags.length)) continue;
      if (DROPPED.has(tag)) dropDepth = tags.length;
      else if (BLOCKS.has(tag) || HEADINGS[tag]) endParagraph();
    } else if (kind === 2) {
      const depth = tags.length;
      const tag = tags.pop()!;
      const wasWalking = bodyDepth >= 0 && depth > bodyDepth && (dropDepth < 0 || dropDepth === depth);
      if (dropDepth === depth) dropDepth = -1;
      if (collecting?.depth === depth) {
        const text = clean(collecting.text);
        if (tag === 'title') titleText ??= text || undefined;
        else {
          if (tag === 'h1') firstH1 ??= text || undefined;
          if (wasWalking && text) out.push(`${'#'.repeat(HEADINGS[tag])} ${text}`);
        }
        collecting = undefined;
        continue;
      }
      if (bodyDepth === depth) bodyDepth = Number.MAX_SAFE_INTEGER; // past the body: nothing more is walked
      if (wasWalking && BLOCKS.has(tag)) endParagraph();
    } else {
      const text = String(events[++i]);
      if (collecting) collecting.text += ` ${text}`;
      else if (walked(tags.length + 1)) line += ` ${text}`;
    }
  }
  endParagraph();
  return { type: 'html', title: titleText || firstH1 || fallbackTitle, format: 'markdown', sections: [{ text: out.join('\n\n') }] };
}

function clean(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
