import type { ParsedDocument } from './parsed-document';

/** A text file: paragraphs only; a line starting with # is text, not a heading. */
export function parsePlainText(text: string, fallbackTitle: string): ParsedDocument {
  return { type: 'txt', title: fallbackTitle, format: 'plain', sections: [{ text }] };
}
