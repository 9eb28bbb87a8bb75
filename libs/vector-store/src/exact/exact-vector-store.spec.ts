import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredChunk } from '../vector-store.port';
import { ExactVectorStore } from './exact-vector-store';

const chunk = (documentId: string, position: number): StoredChunk => ({
  chunkId: `${documentId}#${position}`,
  documentId,
  collectionId: 'default',
  title: `Title of ${documentId}`,
  source: `${documentId}.md`,
  position,
  text: `chunk ${position} of ${documentId}`,
});

const v = (...components: number[]) => {
  const norm = Math.hypot(...components);
  return Float32Array.from(components.map((c) => c / norm));
};

describe('ExactVectorStore', () => {
  let root: string;
  let path: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'relay-vectors-'));
    path = join(root, 'vectors', 'index.json');
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  async function open(): Promise<ExactVectorStore> {
    const store = new ExactVectorStore(path);
    await store.onModuleInit();
    return store;
  }

  it('returns exactly what scoring every chunk and sorting them all would, for any k and filter', async () => {
    const store = await open();
    let seed = 3;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
    // Coarse components, so some scores tie and the order among equals is checked too.
    const items = Array.from({ length: 60 }, (_, i) => ({ chunk: chunk(`doc-${i % 7}`, i), vector: v(...Array.from({ length: 4 }, () => Math.round(rand() * 4))) }));
    await store.upsert(items.filter((item) => item.vector.every(Number.isFinite)));
    const stored = items.filter((item) => item.vector.every(Number.isFinite));
    const query = v(1, 2, -1, 0.5);
    const dotOf = (a: Float32Array) => a.reduce((sum, x, i) => sum + x * query[i], 0);
    for (const k of [1, 3, 10, 59, 100]) {
      for (const only of [undefined, ['doc-1', 'doc-4']]) {
        const expected = stored
          .filter((item) => !only || only.includes(item.chunk.documentId))
          .map((item) => ({ id: item.chunk.chunkId, score: dotOf(item.vector) }))
          .sort((a, b) => b.score - a.score)
          .slice(0, k);
        const hits = await store.search(query, k, only && { documentIds: only });
        expect(hits.map((h) => h.chunk.chunkId)).toEqual(expected.map((e) => e.id));
      }
    }
  });

  it('sees every upsert and delete made after a search', async () => {
    const store = await open();
    await store.upsert([{ chunk: chunk('a', 0), vector: v(1, 0) }]);
    expect((await store.search(v(0, 1), 1))[0].chunk.chunkId).toBe('a#0');
    await store.upsert([{ chunk: chunk('b', 0), vector: v(0, 1) }]);
    expect((await store.search(v(0, 1), 1))[0].chunk.chunkId).toBe('b#0');
    await store.upsert([{ chunk: chunk('a', 0), vector: v(0.1, 1) }]);
    // Only its new vector is nearer than b's to this query.
    expect((await store.search(v(0.2, 1), 1))[0].chunk.chunkId).toBe('a#0');
    await store.deleteDocument('b');
    expect((await store.search(v(0, 1), 5)).map((h) => h.chunk.chunkId)).toEqual(['a#0']);
  });

  it('is ready only once loaded, and starts empty without a file', async () => {
    const store = new ExactVectorStore(path);
    expect(store.isReady()).toBe(false);
    await store.onModuleInit();
    expect(store.isReady()).toBe(true);
    expect(await store.count()).toBe(0);
    expect(store.kind).toBe('exact');
  });

  it('returns the k nearest chunks by cosine similarity, best first', async () => {
    const store = await open();
    await store.upsert([
      { chunk: chunk('a', 0), vector: v(1, 0) },
      { chunk: chunk('a', 1), vector: v(0, 1) },
      { chunk: chunk('b', 0), vector: v(1, 1) },
    ]);

    const hits = await store.search(v(1, 0.1), 2);

    expect(hits.map((h) => h.chunk.chunkId)).toEqual(['a#0', 'b#0']);
    expect(hits[0].score).toBeGreaterThan(hits[1].score);
    expect(hits[0].score).toBeCloseTo(1 / Math.hypot(1, 0.1), 5);
  });

  it('replaces a chunk upserted again under the same chunkId', async () => {
    const store = await open();
    await store.upsert([{ chunk: chunk('a', 0), vector: v(1, 0) }]);
    await store.upsert([{ chunk: { ...chunk('a', 0), text: 'new text' }, vector: v(0, 1) }]);

    expect(await store.count()).toBe(1);
    const [hit] = await store.search(v(0, 1), 1);
    expect(hit.chunk.text).toBe('new text');
    expect(hit.score).toBeCloseTo(1, 5);
  });

  it('persists to disk and reloads the same chunks and vectors after a restart', async () => {
    const before = await open();
    await before.upsert([
      { chunk: chunk('a', 0), vector: v(1, 2, 3) },
      { chunk: chunk('a', 1), vector: v(3, 2, 1) },
      { chunk: chunk('b', 0), vector: v(0, 0, 1) },
    ]);
    const query = v(1, 1, 1);
    const expected = await before.search(query, 3);

    const after = await open();

    expect(await after.count()).toBe(3);
    const reloaded = await after.search(query, 3);
    expect(reloaded.map((h) => h.chunk)).toEqual(expected.map((h) => h.chunk));
    expect(reloaded.map((h) => h.score)).toEqual(expected.map((h) => h.score));
    expect(reloaded[0].vector).toBeInstanceOf(Float32Array);
    expect(Array.from(reloaded[0].vector)).toEqual(Array.from(expected[0].vector));
    // The atomic write leaves no temporary file behind.
    expect(readdirSync(join(root, 'vectors'))).toEqual(['index.json']);
  });

  it('reads a file written before collections existed: its chunks are the default collection’s', async () => {
    mkdirSync(join(root, 'vectors'), { recursive: true });
    const { collectionId: _none, ...old } = chunk('old', 0);
    writeFileSync(path, JSON.stringify({ version: 1, chunks: [{ ...old, vector: [1, 0] }] }));
    const store = await open();
    const [hit] = await store.search(v(1, 0), 1, { collectionIds: ['default'] });
    expect(hit.chunk).toEqual(chunk('old', 0));
    expect(await store.search(v(1, 0), 1, { collectionIds: ['team-a'] })).toEqual([]);
  });

  it('deletes every chunk of a document, says how many, and persists the deletion', async () => {
    const store = await open();
    await store.upsert([
      { chunk: chunk('a', 0), vector: v(1, 0) },
      { chunk: chunk('a', 1), vector: v(0, 1) },
      { chunk: chunk('b', 0), vector: v(1, 1) },
    ]);

    expect(await store.deleteDocument('a')).toBe(2);
    expect(await store.deleteDocument('a')).toBe(0);
    expect(await store.deleteDocument('never-there')).toBe(0);

    const reloaded = await open();
    expect(await reloaded.count()).toBe(1);
    expect((await reloaded.search(v(1, 0), 10)).map((h) => h.chunk.documentId)).toEqual(['b']);
  });

  it('keeps the last of several concurrent writes on disk', async () => {
    const store = await open();
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.upsert([{ chunk: chunk('d', i), vector: v(1, i) }])));
    expect(existsSync(path)).toBe(true);
    expect(await (await open()).count()).toBe(10);
  });
});
