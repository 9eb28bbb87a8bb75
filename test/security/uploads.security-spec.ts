import request from 'supertest';
import { minimalPdf } from '../../apps/gateway/src/documents/parsers/minimal-pdf';
import { joinPdfLines } from '../../apps/gateway/src/documents/parsers/pdf-text';
import { MediumRelay, startMediumRelay } from '../medium/relay-app';

// Finding 7: every PDF upload started its own worker (512 MB heap) with no limit on how many at once; HTML was walked
// recursively on the main thread (deep nesting → RangeError → 500); joinLines looked quadratic.
// Finding 9: a title longer than docs.ingest allows (500) sent the upload to the dead-letter topic and left it
// "indexing" until the timeout; so did a PDF with more pages than a record may hold.

const same = { 'X-Relay-Request': '1' };

describe('finding 7: uploads are bounded', () => {
  let relay: MediumRelay;
  beforeAll(async () => {
    relay = await startMediumRelay({ MAX_CONCURRENT_PARSES: '2', PARSE_QUEUE_LIMIT: '2', MAX_PDF_PAGES: '50', MAX_DOCUMENT_BYTES: '4000000', INGEST_TIMEOUT_MS: '5000' });
  });
  afterAll(() => relay.app.close());

  it('parses at most MAX_CONCURRENT_PARSES at once, queues PARSE_QUEUE_LIMIT more, and answers the rest 503 BUSY with Retry-After', async () => {
    const pdfs = Array.from({ length: 10 }, (_, i) => minimalPdf(Array.from({ length: 40 }, (_, p) => [`Document ${i} page ${p} about topic ${i * 100 + p}.`]), `Doc ${i}`));
    const responses = await Promise.all(pdfs.map((pdf, i) => request(relay.url).post('/api/documents').set(same).attach('file', pdf, `doc-${i}.pdf`)));
    const statuses = responses.map((r) => r.status);
    const busy = responses.filter((r) => r.status === 503);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(4);
    expect(busy.length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 201 || s === 503)).toBe(true);
    for (const res of busy) {
      expect(res.body.error.code).toBe('BUSY');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
  });

  it('refuses deeply nested HTML with a clear 422, quickly, instead of a 500 from a stack overflow', async () => {
    const html = `<html><body>${'<div>'.repeat(100_000)}deep${'</div>'.repeat(100_000)}</body></html>`;
    const started = Date.now();
    const res = await request(relay.url).post('/api/documents').set(same).attach('file', Buffer.from(html), 'deep.html');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('CORRUPT_DOCUMENT');
    expect(res.body.error.message).toMatch(/deep\.html: .*nested/);
  });

  it('still reads ordinary nested HTML', async () => {
    const html = `<html><head><title>Nest</title></head><body>${'<div>'.repeat(100)}<p>Owls nest in oaks.</p>${'</div>'.repeat(100)}</body></html>`;
    const res = await request(relay.url).post('/api/documents').set(same).attach('file', Buffer.from(html), 'nest.html');
    expect(res.status).toBe(201);
    expect(res.body.document.title).toBe('Nest');
  });

  it('refuses a PDF with more pages than MAX_PDF_PAGES, naming the limit', async () => {
    const pdf = minimalPdf(Array.from({ length: 60 }, (_, p) => [`Page ${p}.`]));
    const res = await request(relay.url).post('/api/documents').set(same).attach('file', pdf, 'long.pdf');
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ code: 'DOCUMENT_TOO_LARGE' });
    expect(res.body.error.message).toMatch(/long\.pdf: .*60 pages.*MAX_PDF_PAGES \(50\)/);
  });

  it('joins the lines of a page in linear time', () => {
    const lines = Array.from({ length: 40_000 }, (_, i) => `line ${i} of a very long page that goes on and on and on`).join('\n');
    const started = performance.now();
    const text = joinPdfLines(lines);
    expect(performance.now() - started).toBeLessThan(300);
    expect(text.startsWith('line 0 of')).toBe(true);
    expect(text.endsWith('line 39999 of a very long page that goes on and on and on')).toBe(true);
  });
});

describe('finding 9: a 10,000-character title', () => {
  let relay: MediumRelay;
  beforeAll(async () => {
    relay = await startMediumRelay({ INGEST_TIMEOUT_MS: '5000' });
  });
  afterAll(() => relay.app.close());

  it('is shortened to what docs.ingest allows, so the upload is indexed at once (not dead-lettered and left indexing)', async () => {
    const title = 'T'.repeat(10_000);
    const started = Date.now();
    const res = await request(relay.url).post('/api/documents').set(same).attach('file', Buffer.from(`# ${title}\n\nThe text.`), 'long-title.md');
    expect(res.status).toBe(201);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(res.body.document.status).toBe('indexed');
    expect(res.body.document.title.length).toBeLessThanOrEqual(500);
    expect(res.body.document.title.startsWith('TTTT')).toBe(true);
  });

  it('shortens a long PDF Title metadata the same way', async () => {
    const res = await request(relay.url).post('/api/documents').set(same).attach('file', minimalPdf([['Body.']], 'P'.repeat(10_000)), 'meta.pdf');
    expect(res.status).toBe(201);
    expect(res.body.document.title.length).toBeLessThanOrEqual(500);
  });
});
