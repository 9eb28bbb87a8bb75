import { RelayError } from '@relay/contracts';
import { extname } from 'node:path';
import { HtmlReadError, MAX_HTML_DEPTH, parseHtml } from './html.parser';
import { parseMarkdown } from './markdown.parser';
import type { DocumentType, ParsedDocument } from './parsed-document';
import { DEFAULT_PDF_LIMITS, parsePdf, PdfReadError, PdfTooLargeError } from './pdf.parser';
import { parsePlainText } from './plain-text.parser';

const TYPES: Record<string, DocumentType> = { '.txt': 'txt', '.text': 'txt', '.md': 'md', '.markdown': 'md', '.html': 'html', '.htm': 'html', '.pdf': 'pdf' };

export interface ParseLimits {
  /** Most pages of a PDF (MAX_PDF_PAGES). */
  maxPdfPages: number;
  /** Longest a PDF or HTML file may take to read (PARSE_TIMEOUT_MS). */
  timeoutMs: number;
}

const DEFAULT_LIMITS: ParseLimits = { maxPdfPages: DEFAULT_PDF_LIMITS.maxPages, timeoutMs: DEFAULT_PDF_LIMITS.timeoutMs };

/**
 * Turns an uploaded file into text by its extension (.txt, .md, .html, .pdf). Every refusal is a RelayError whose
 * message starts with the file's name (or `displayName`, e.g. its path): UNSUPPORTED_DOCUMENT, EMPTY_DOCUMENT,
 * CORRUPT_DOCUMENT or DOCUMENT_TOO_LARGE. PDF and HTML are read in worker threads with a time limit.
 */
export async function parseDocument(fileName: string, bytes: Buffer, displayName = fileName, limits: ParseLimits = DEFAULT_LIMITS): Promise<ParsedDocument> {
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
      doc = await parsePdf(bytes, fallbackTitle, { ...DEFAULT_PDF_LIMITS, maxPages: limits.maxPdfPages, timeoutMs: limits.timeoutMs });
    } catch (err) {
      if (err instanceof PdfTooLargeError) throw new RelayError('DOCUMENT_TOO_LARGE', `${displayName}: ${err.message}`);
      if (err instanceof PdfReadError) throw new RelayError('CORRUPT_DOCUMENT', `${displayName}: the PDF cannot be read: ${err.message}`);
      throw err;
    }
  } else if (type === 'html') {
    try {
      doc = await parseHtml(decodeText(displayName, bytes), fallbackTitle, { maxDepth: MAX_HTML_DEPTH, timeoutMs: limits.timeoutMs });
    } catch (err) {
      if (err instanceof HtmlReadError) throw new RelayError('CORRUPT_DOCUMENT', `${displayName}: the HTML cannot be read: ${err.message}`);
      throw err;
    }
  } else {
    const text = decodeText(displayName, bytes);
    doc = type === 'md' ? parseMarkdown(text, fallbackTitle) : parsePlainText(text, fallbackTitle);
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
