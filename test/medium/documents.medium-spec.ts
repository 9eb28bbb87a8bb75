import type { InMemoryKeywordIndex } from '@relay/testing';
import { KEYWORD_INDEX } from '@relay/retrieval';
import { VECTOR_STORE, type VectorStore } from '@relay/vector-store';
import request from 'supertest';
import { minimalPdf } from '../../apps/gateway/src/documents/parsers/minimal-pdf';
import { MediumRelay, startMediumRelay } from './relay-app';

// Upload → docs.ingest → ingestion stage → both indexes → docs.indexed → the upload's answer, over the real
// in-process transport with the real gateway and pipeline modules (fake embedder and stores).
describe('documents through the running app', () => {
  let relay: MediumRelay;
  let vectors: VectorStore;
  let keywords: InMemoryKeywordIndex;

  beforeAll(async () => {
    relay = await startMediumRelay({ DOCUMENTS_TOKEN: 'docs-token', MAX_DOCUMENT_BYTES: '2000', CHUNK_TOKENS: '20', CHUNK_OVERLAP_TOKENS: '5' });
    vectors = relay.app.get(VECTOR_STORE);
    keywords = relay.app.get(KEYWORD_INDEX);
  });
  afterAll(() => relay.app.close());

  const auth = { Authorization: 'Bearer docs-token' };

  it('indexes an uploaded Markdown file into both indexes, answers 201, then 200 unchanged for the same content', async () => {
    const md = '# Zorblat Handbook\n\n## Launch\n\nThe zorblat launch code is 7741. It opens the hangar.\n\n## Landing\n\nLand on pad nine.';
    const first = await request(relay.url).post('/api/documents').set(auth).attach('file', Buffer.from(md), 'zorblat.md').expect(201);
    expect(first.body.unchanged).toBe(false);
    expect(first.body.document).toMatchObject({ title: 'Zorblat Handbook', source: 'zorblat.md', type: 'md', status: 'indexed', chunks: 2 });
    const id = first.body.document.documentId;
    expect(keywords.chunksOf(id).map((c) => c.title)).toEqual(['Zorblat Handbook — Launch', 'Zorblat Handbook — Landing']);
    expect(await vectors.count()).toBe(2);

    const again = await request(relay.url).post('/api/documents').set(auth).attach('file', Buffer.from(md), 'zorblat.md').expect(200);
    expect(again.body).toMatchObject({ unchanged: true, document: { documentId: id, status: 'indexed' } });

    const changed = await request(relay.url).post('/api/documents').set(auth).attach('file', Buffer.from('# Zorblat Handbook\n\nOnly one line now.'), 'zorblat.md').expect(201);
    expect(changed.body.document).toMatchObject({ documentId: id, chunks: 1 });
    expect(await vectors.count()).toBe(1);
  });

  it('keeps the page of each PDF chunk and lists, then deletes, the document from every index', async () => {
    const pdf = minimalPdf([['First page about quasars.'], ['Second page about pulsars.']], 'Star Notes');
    const res = await request(relay.url).post('/api/documents').set(auth).field('source', 'library/stars.pdf').attach('file', pdf, 'stars.pdf').expect(201);
    const id = res.body.document.documentId;
    expect(keywords.chunksOf(id).map((c) => [c.page, c.text])).toEqual([
      [1, 'First page about quasars.'],
      [2, 'Second page about pulsars.'],
    ]);

    const list = await request(relay.url).get('/api/documents').expect(200);
    expect(list.body.documents.map((d: { source: string }) => d.source)).toContain('library/stars.pdf');

    await request(relay.url).delete(`/api/documents/${id}`).set(auth).expect(200, { documentId: id, status: 'deleted' });
    expect(keywords.chunksOf(id)).toEqual([]);
    for await (const c of vectors.chunks()) expect(c.documentId).not.toBe(id);
    await request(relay.url).get(`/api/documents/${id}`).expect(404);
  });

  it('indexes JSON text', async () => {
    const res = await request(relay.url).post('/api/documents').set(auth).send({ title: 'Memo', text: 'The cafeteria opens at nine.', source: 'memo-1' }).expect(201);
    expect(res.body.document).toMatchObject({ title: 'Memo', source: 'memo-1', type: 'text', chunks: 1 });
  });

  it.each([
    ['an unknown type', Buffer.from('x'), 'tool.exe', 415, 'UNSUPPORTED_DOCUMENT', /tool\.exe: unsupported file type/],
    ['an empty file', Buffer.alloc(0), 'empty.txt', 422, 'EMPTY_DOCUMENT', /empty\.txt: the file is empty/],
    ['a file over MAX_DOCUMENT_BYTES', Buffer.alloc(3000, 'a'), 'big.txt', 413, 'DOCUMENT_TOO_LARGE', /big\.txt: larger than the 2000 bytes/],
    ['a corrupt PDF', Buffer.from('%PDF-1.4 garbage'), 'broken.pdf', 422, 'CORRUPT_DOCUMENT', /broken\.pdf: the PDF cannot be read/],
  ])('refuses %s with an error naming the file and indexes nothing', async (_, bytes, name, status, code, message) => {
    const before = await vectors.count();
    const res = await request(relay.url).post('/api/documents').set(auth).attach('file', bytes, name).expect(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(message);
    expect(await vectors.count()).toBe(before);
  });

  it('needs the documents token to write when DOCUMENTS_TOKEN is set, but not to list', async () => {
    await request(relay.url).post('/api/documents').send({ title: 'T', text: 'x' }).expect(401);
    await request(relay.url).post('/api/documents').set({ Authorization: 'Bearer wrong' }).send({ title: 'T', text: 'x' }).expect(403);
    await request(relay.url).get('/api/documents').expect(200);
  });

  it('answers a failed indexing with INDEXING_FAILED and the reason, and lists the document as failed', async () => {
    relay.embedder.failWith = new Error('model crashed');
    try {
      const res = await request(relay.url).post('/api/documents').set(auth).send({ title: 'Doomed', text: 'Never indexed.', source: 'doomed' }).expect(502);
      expect(res.body.error).toEqual({ code: 'INDEXING_FAILED', message: expect.stringContaining('doomed: indexing failed: embedding failed: model crashed') });
    } finally {
      relay.embedder.failWith = undefined;
    }
    const list = await request(relay.url).get('/api/documents').expect(200);
    expect(list.body.documents.find((d: { source: string }) => d.source === 'doomed')).toMatchObject({ status: 'failed', chunks: 0 });
  });
});
