import { RelayError } from '@relay/contracts';
import { extname } from 'node:path';
import { parseHtml } from './html.parser';
import { parseMarkdown } from './markdown.parser';
import type { DocumentType, ParsedDocument } from './parsed-document';
import { parsePdf, PdfReadError } from './pdf.parser';
import { parsePlainText } from './plain-text.parser';

const TYPES: Record<string, DocumentType> = { '.txt': 'txt', '.text': 'txt', '.md': 'md', '.markdown': 'md', '.html': 'html', '.htm': 'html', '.pdf': 'pdf' };

/**
 * Turns an uploaded file into text by its extension (.txt, .md, .html, .pdf). Every refusal is a RelayError whose
 * message starts with the file's name (or `displayName`, e.g. its path): UNSUPPORTED_DOCUMENT, EMPTY_DOCUMENT or CORRUPT_DOCUMENT.
 */
export async function parseDocument(fileName: string, bytes: Buffer, displayName = fileName): Promise<ParsedDocument> {
  const type = TYPES[extname(fileName).toLowerCase()];
  if (!type) {
    throw new RelayError('UNSUPPORTED_DOCUMENT', `${displayName}: unsupported file type "${extname(fileName) || '(none)'}"; upload .txt, .md, .html or .pdf`);
  }
  if (bytes.length === 0) throw new RelayError('EMPTY_DOCUMENT', `${displayName}: the file is empty`);
  const fallbackTitle = fileName.replace(/^.*[\\/]/, '').replace(/\.[^.]+$/, '') || fileName;
  let doc: ParsedDocument;
  if (type === 'pdf') {
    if (!bytes.subarray(0, 1024).includes('%PDF-')) throw new RelayError('CORRUPT_DOCUMENT', `${displayName}: not a PDF file (no %PDF- header)`);
    try {
      doc = await parsePdf(bytes, fallbackTitle);
    } catch (err) {
      if (err instanceof PdfReadError) throw new RelayError('CORRUPT_DOCUMENT', `${displayName}: the PDF cannot be read: ${err.message}`);
      throw err;
    }
  } else {
    const text = decodeText(displayName, bytes);
    doc = type === 'md' ? parseMarkdown(text, fallbackTitle) : type === 'html' ? parseHtml(text, fallbackTitle) : parsePlainText(text, fallbackTitle);
  }
  if (!doc.sections.some((s) => s.text.trim())) {
    throw new RelayError('EMPTY_DOCUMENT', `${displayName}: no text found${type === 'pdf' ? ' (a scanned PDF needs OCR first)' : ''}`);
  }
  return doc;
}

/** UTF-8 (a BOM is dropped); a file that is not valid UTF-8 text is refused rather than indexed as mojibake. */
function decodeText(fileName: string, bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new RelayError('CORRUPT_DOCUMENT', `${fileName}: not valid UTF-8 text`);
  }
}
