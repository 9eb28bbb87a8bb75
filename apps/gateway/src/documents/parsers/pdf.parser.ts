import { pathToFileURL } from 'node:url';
import type { ParsedDocument } from './parsed-document';
import { joinPdfLines } from './pdf-text';
import { runParserWorker } from './parser-worker';

/**
 * pdf.js (its Node build, an ES module) in a worker thread: parsing a large PDF is seconds of CPU that would
 * otherwise stall every socket of this gateway, and a worker can be stopped when a broken file makes it hang. The
 * page count is checked before any page is read, and a page's text is cut off at `maxPageChars` (a page of a real
 * document holds a few thousand characters; a crafted one could hold millions).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const pdfjs = await import(workerData.moduleUrl);
  const doc = await pdfjs.getDocument({ data: workerData.bytes, isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0 }).promise;
  if (doc.numPages > workerData.maxPages) {
    parentPort.postMessage({ ok: false, name: 'TooManyPages', message: String(doc.numPages) });
    return;
  }
  const meta = await doc.getMetadata().catch(() => null);
  const pages = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const page = await doc.getPage(n);
    const content = await page.getTextContent();
    const parts = [];
    let length = 0;
    for (const item of content.items) {
      if (typeof item.str !== 'string') continue;
      parts.push(item.str);
      length += item.str.length;
      if (item.hasEOL) parts.push('\\n');
      if (length > workerData.maxPageChars) {
        parentPort.postMessage({ ok: false, name: 'PageTooLong', message: String(n) });
        return;
      }
    }
    pages.push(parts.join(''));
    page.cleanup();
  }
  const title = meta && meta.info && typeof meta.info.Title === 'string' ? meta.info.Title : '';
  parentPort.postMessage({ ok: true, title, pages });
  await doc.destroy();
})().catch((err) => parentPort.postMessage({ ok: false, name: err && err.name, message: String((err && err.message) || err) }));
`;

/** A PDF that pdf.js cannot read; the message says why. */
export class PdfReadError extends Error {}

/** A PDF larger than Relay takes: more pages than allowed, or a page with more text than any real page holds. */
export class PdfTooLargeError extends Error {}

export interface PdfLimits {
  maxPages: number;
  maxPageChars: number;
  timeoutMs: number;
}

export const DEFAULT_PDF_LIMITS: PdfLimits = { maxPages: 2000, maxPageChars: 200_000, timeoutMs: 60_000 };

/** Text per page (1-based), lines kept. The title is the PDF's Title metadata, else the file name. */
export async function parsePdf(bytes: Uint8Array, fallbackTitle: string, limits: PdfLimits = DEFAULT_PDF_LIMITS): Promise<ParsedDocument> {
  const moduleUrl = pathToFileURL(require.resolve('pdfjs-dist/legacy/build/pdf.mjs')).href;
  // A copy: pdf.js takes ownership of the buffer it is given.
  const reply = await runParserWorker<{ title: string; pages: string[] }>(
    WORKER_SOURCE,
    { moduleUrl, bytes: new Uint8Array(bytes), maxPages: limits.maxPages, maxPageChars: limits.maxPageChars },
    { timeoutMs: limits.timeoutMs, maxHeapMb: 512 },
  );
  if (!reply.ok) {
    if (reply.name === 'TooManyPages') throw new PdfTooLargeError(`it has ${reply.message} pages; at most MAX_PDF_PAGES (${limits.maxPages}) are read`);
    if (reply.name === 'PageTooLong') throw new PdfTooLargeError(`page ${reply.message} holds more than ${limits.maxPageChars} characters of text`);
    throw new PdfReadError(reply.name === 'PasswordException' ? 'the PDF is encrypted with a password' : reply.message);
  }
  return {
    type: 'pdf',
    title: reply.title.trim() || fallbackTitle,
    format: 'plain',
    sections: reply.pages.map((text, i) => ({ text: joinPdfLines(text), page: i + 1 })),
  };
}
