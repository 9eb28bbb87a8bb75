import { firstMarkdownTitle } from '@relay/contracts';
import type { ParsedDocument } from './parsed-document';

/** Markdown stays Markdown: the chunker reads its headings. The title is the first H1 outside code fences. */
export function parseMarkdown(text: string, fallbackTitle: string): ParsedDocument {
  return { type: 'md', title: firstMarkdownTitle(text) ?? fallbackTitle, format: 'markdown', sections: [{ text }] };
}
