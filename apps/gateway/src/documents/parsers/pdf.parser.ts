import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ParsedDocument } from './parsed-document';
import { joinPdfLines } from './pdf-text';

/**
 * Runs pdf.js (its Node build, an ES module) in a worker thread: parsing a large PDF is seconds of CPU that would
 * otherwise stall every socket of this gateway, and a worker can be stopped when a broken file makes it hang. The
 * worker is plain JavaScript so it runs the same under the app and under the test runner.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const pdfjs = await import(workerData.moduleUrl);
  const doc = await pdfjs.getDocument({ data: workerData.bytes, isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0 }).promise;
  const meta = await doc.getMetadata().catch(() => null);
  const pages = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const page = await doc.getPage(n);
    const content = await page.getTextContent();
    let text = '';
    for (const item of content.items) {
      if (typeof item.str !== 'string') continue;
      text += item.str;
      if (item.hasEOL) text += '\\n';
    }
    pages.push(text);
    page.cleanup();
  }
  const title = meta && meta.info && typeof meta.info.Title === 'string' ? meta.info.Title : '';
  parentPort.postMessage({ ok: true, title, pages });
  await doc.destroy();
})().catch((err) => parentPort.postMessage({ ok: false, name: err && err.name, message: String((err && err.message) || err) }));
`;

type WorkerReply = { ok: true; title: string; pages: string[] } | { ok: false; name?: string; message: string };

/** A PDF that pdf.js cannot read; the message says why. */
export class PdfReadError extends Error {}

/** Text per page (1-based), lines kept. The title is the PDF's Title metadata, else the file name. */
export async function parsePdf(bytes: Uint8Array, fallbackTitle: string, timeoutMs = 60_000): Promise<ParsedDocument> {
  const reply = await runWorker(bytes, timeoutMs);
  if (!reply.ok) throw new PdfReadError(reply.name === 'PasswordException' ? 'the PDF is encrypted with a password' : reply.message);
  return {
    type: 'pdf',
    title: reply.title.trim() || fallbackTitle,
    format: 'plain',
    sections: reply.pages.map((text, i) => ({ text: joinPdfLines(text), page: i + 1 })),
  };
}

function runWorker(bytes: Uint8Array, timeoutMs: number): Promise<WorkerReply> {
  const moduleUrl = pathToFileURL(require.resolve('pdfjs-dist/legacy/build/pdf.mjs')).href;
  // A copy: pdf.js takes ownership of the buffer it is given.
  const worker = new Worker(WORKER_SOURCE, { eval: true, stdout: true, stderr: true, workerData: { moduleUrl, bytes: new Uint8Array(bytes) }, resourceLimits: { maxOldGenerationSizeMb: 512 } });
  // pdf.js warns that it cannot render without a canvas package: text needs none, so its output is dropped.
  worker.stdout.resume();
  worker.stderr.resume();
  let timer: NodeJS.Timeout | undefined;
  return new Promise<WorkerReply>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, message: `reading it took longer than ${timeoutMs} ms` }), timeoutMs);
    worker.once('message', (reply: WorkerReply) => resolve(reply));
    worker.once('error', (err) => resolve({ ok: false, message: err.message }));
    worker.once('exit', (code) => resolve({ ok: false, message: `the PDF reader stopped (exit code ${code})` }));
  }).finally(() => {
    clearTimeout(timer);
    void worker.terminate();
  });
}
