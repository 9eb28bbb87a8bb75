import type { DocumentSection } from '@relay/contracts';

export const DOCUMENT_TYPES = ['txt', 'md', 'html', 'pdf'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/** A file's text, ready for docs.ingest: Markdown-style headings for Markdown and HTML, one section per PDF page. */
export interface ParsedDocument {
  type: DocumentType;
  /** From the first H1 (Markdown), <title> or <h1> (HTML), the PDF's metadata; else the file name. */
  title: string;
  format: 'markdown' | 'plain';
  sections: DocumentSection[];
}
