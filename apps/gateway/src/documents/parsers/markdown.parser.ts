import type { ParsedDocument } from './parsed-document';

/** Markdown stays Markdown: the chunker reads its headings. The title is the first H1 outside code fences. */
export function parseMarkdown(text: string, fallbackTitle: string): ParsedDocument {
  let inFence = false;
  let title: string | undefined;
  for (const line of text.split(/\r\n?|\n/)) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const h1 = !inFence && /^#\s+(.+?)\s*#*\s*$/.exec(line);
    if (h1) {
      title = h1[1];
      break;
    }
  }
  return { type: 'md', title: title ?? fallbackTitle, format: 'markdown', sections: [{ text }] };
}
