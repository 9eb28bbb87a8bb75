import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExactVectorStore } from '../exact/exact-vector-store';
import type { StoredChunk } from '../vector-store.port';
import { HnswOptions, HnswVectorStore } from './hnsw-vector-store';

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

/** Seeded clustered unit vectors, so recall is measured on data with neighbourhoods, as embeddings have. */
function clustered(n: number, dim: number, clusters: number, seed: number): Float32Array[] {
  let state = seed;
  const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const gauss = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const centres = Array.from({ length: clusters }, () => Array.from({ length: dim }, gauss));
  return Array.from({ length: n }, () => {
    const centre = centres[Math.floor(uniform() * clusters)];
    return v(...centre.map((c) => c + 0.7 * gauss()));
  });
}

describe('HnswVectorStore', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'relay-hnsw-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(options: Partial<HnswOptions> = {}): Promise<HnswVectorStore> {
    const store = new HnswVectorStore(join(dir, 'vectors', 'hnsw'), options);
    await store.onModuleInit();
    return store;
  }

  it('is ready only once loaded, and starts empty without files', async () => {
    const store = new HnswVectorStore(join(dir, 'vectors', 'hnsw'));
    expect(store.isReady()).toBe(false);
    await store.onModuleInit();
    expect(store.isReady()).toBe(true);
    expect(await store.count()).toBe(0);
    expect(await store.search(v(1, 0), 3)).toEqual([]);
    expect(store.kind).toBe('hnsw');
  });

  it('returns the k nearest chunks with their vectors and cosine scores, best first', async () => {
    const store = await open();
    await store.upsert([
      { chunk: chunk('a', 0), vector: v(1, 0) },
      { chunk: chunk('a', 1), vector: v(0, 1) },
      { chunk: chunk('b', 0), vector: v(1, 1) },
    ]);

    const hits = await store.search(v(1, 0.1), 2);

    expect(hits.map((h) => h.chunk.chunkId)).toEqual(['a#0', 'b#0']);
    expect(hits[0].score).toBeCloseTo(1 / Math.hypot(1, 0.1), 5);
    expect(hits[1].score).toBeCloseTo((1 + 0.1) / Math.hypot(1, 0.1) / Math.SQRT2, 5);
    expect(Array.from(hits[1].vector)).toEqual(Array.from(v(1, 1)).map((x) => expect.closeTo(x, 6)));
  });

  it('finds at least 95% of the exact top 10 over a few hundred clustered vectors, growing past its initial capacity', async () => {
    const vectors = clustered(600, 32, 12, 7);
    const hnsw = await open({ initialCapacity: 16, m: 8, efConstruction: 100, efSearch: 40 });
    const exact = new ExactVectorStore(join(dir, 'exact.json'));
    await exact.onModuleInit();
    const items = vectors.map((vector, i) => ({ chunk: chunk(`d${i % 30}`, i), vector }));
    await hnsw.upsert(items.slice(0, 300));
    await hnsw.upsert(items.slice(300));
    await exact.upsert(items);

    const queries = clustered(50, 32, 12, 7 + 1);
    let found = 0;
    for (const query of queries) {
      const truth = new Set((await exact.search(query, 10)).map((h) => h.chunk.chunkId));
      for (const hit of await hnsw.search(query, 10)) if (truth.has(hit.chunk.chunkId)) found++;
    }

    expect(await hnsw.count()).toBe(600);
    expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
  });

  it('replaces a chunk upserted again under the same chunkId', async () => {
    const store = await open();
    await store.upsert([
      { chunk: chunk('a', 0), vector: v(1, 0, 0) },
      { chunk: chunk('a', 1), vector: v(0, 0, 1) },
    ]);
    await store.upsert([{ chunk: { ...chunk('a', 0), text: 'new text' }, vector: v(0, 1, 0) }]);

    expect(await store.count()).toBe(2);
    const [hit] = await store.search(v(0, 1, 0), 1);
    expect(hit.chunk.text).toBe('new text');
    expect(hit.score).toBeCloseTo(1, 5);
    expect((await store.search(v(1, 0, 0), 2)).map((h) => h.chunk.text)).not.toContain(chunk('a', 0).text);
  });

  it('deletes a document: its chunks never come back, and later chunks reuse the freed slots', async () => {
    const store = await open();
    const vectors = clustered(40, 8, 4, 3);
    await store.upsert(vectors.map((vector, i) => ({ chunk: chunk(i < 20 ? 'gone' : 'kept', i), vector })));

    expect(await store.deleteDocument('gone')).toBe(20);
    expect(await store.deleteDocument('gone')).toBe(0);
    expect(await store.count()).toBe(20);
    for (const query of vectors) {
      expect((await store.search(query, 40)).every((h) => h.chunk.documentId === 'kept')).toBe(true);
    }

    await store.upsert(vectors.slice(0, 20).map((vector, i) => ({ chunk: chunk('back', i), vector })));
    expect(await store.count()).toBe(40);
    const [best] = await store.search(vectors[3], 1);
    expect(best.chunk.chunkId).toBe('back#3');
  });

  it('rebuilds the graph once most of it is deleted, and still answers exactly on a small index', async () => {
    const store = await open({ maxDeletedShare: 0.3 });
    const vectors = clustered(50, 8, 5, 11);
    await store.upsert(vectors.map((vector, i) => ({ chunk: chunk(`d${i % 5}`, i), vector })));

    await store.deleteDocument('d0');
    await store.deleteDocument('d1'); // 20 of 50 deleted: past 30%, so a rebuild

    expect(await store.count()).toBe(30);
    const hits = await store.search(vectors[4], 30);
    expect(hits).toHaveLength(30);
    expect(hits[0].chunk.chunkId).toBe('d4#4');
    expect(new Set(hits.map((h) => h.chunk.documentId))).toEqual(new Set(['d2', 'd3', 'd4']));
  });

  it.each([
    ['an exact scan of a small filtered set', 2000],
    ["hnswlib's filter callback for a large one", 1],
  ])('filters by documentIds with %s', async (_, exactFilterLimit) => {
    const store = await open({ exactFilterLimit });
    const vectors = clustered(200, 16, 4, 5);
    await store.upsert(vectors.map((vector, i) => ({ chunk: chunk(`d${i % 10}`, i), vector })));

    const hits = await store.search(vectors[0], 5, { documentIds: ['d3', 'd7'] });

    expect(hits).toHaveLength(5);
    expect(hits.every((h) => ['d3', 'd7'].includes(h.chunk.documentId))).toBe(true);
    const scores = hits.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(await store.search(vectors[0], 5, { documentIds: ['nope'] })).toEqual([]);
  });

  it('persists to disk and reloads the same chunks, vectors and deletions after a restart', async () => {
    const before = await open();
    const vectors = clustered(60, 12, 3, 13);
    await before.upsert(vectors.map((vector, i) => ({ chunk: { ...chunk(`d${i % 3}`, i), page: i }, vector })));
    await before.deleteDocument('d1');

    const after = await open();

    expect(await after.count()).toBe(40);
    const [hit] = await after.search(vectors[5], 1);
    expect(hit.chunk).toEqual({ ...chunk('d2', 5), page: 5 });
    expect(hit.score).toBeCloseTo(1, 5);
    const ids: string[] = [];
    for await (const c of after.chunks()) ids.push(c.chunkId);
    expect(ids.sort()).toEqual(vectors.map((_, i) => i).filter((i) => i % 3 !== 1).map((i) => `d${i % 3}#${i}`).sort());
    await after.upsert([{ chunk: chunk('d9', 0), vector: vectors[1] }]);
    expect((await (await open()).search(vectors[1], 1))[0].chunk.chunkId).toBe('d9#0');
  });

  it('reads a manifest written before collections existed: its chunks are the default collection’s', async () => {
    const store = await open();
    await store.upsert([{ chunk: chunk('old', 0), vector: v(1, 0) }]);
    const manifestPath = join(dir, 'vectors', 'hnsw', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    for (const [, c] of manifest.chunks) delete c.collectionId;
    writeFileSync(manifestPath, JSON.stringify(manifest));

    const reopened = await open();
    const [hit] = await reopened.search(v(1, 0), 1, { collectionIds: ['default'] });
    expect(hit.chunk).toEqual(chunk('old', 0));
    expect(await reopened.search(v(1, 0), 1, { collectionIds: ['team-a'] })).toEqual([]);
  });

  it('keeps its per-collection index in step through replaces, deletes and a rebuild of the graph', async () => {
    const store = await open({ initialCapacity: 16, exactFilterLimit: 1 });
    const vectors = clustered(120, 12, 4, 21);
    const collectionOf = (i: number) => (i % 4 === 0 ? 'small' : 'big');
    await store.upsert(vectors.map((vector, i) => ({ chunk: { ...chunk(`d${i % 10}`, i), collectionId: collectionOf(i) }, vector })));
    // Document d0 (i % 10 === 0) moves from wherever it was to "moved"; d1…d7 are deleted, past half the graph.
    await store.upsert(vectors.map((vector, i) => ({ i, vector })).filter(({ i }) => i % 10 === 0).map(({ i, vector }) => ({ chunk: { ...chunk('d0', i), collectionId: 'moved' }, vector })));
    for (const d of [1, 2, 3, 4, 5, 6, 7]) await store.deleteDocument(`d${d}`);

    const live = vectors.map((vector, i) => ({ i, vector })).filter(({ i }) => i % 10 === 0 || i % 10 >= 8);
    const inCollection = (name: string) => live.filter(({ i }) => (i % 10 === 0 ? 'moved' : collectionOf(i)) === name);
    for (const name of ['small', 'big', 'moved']) {
      const expected = inCollection(name).map(({ i, vector }) => ({ id: `d${i % 10}#${i}`, score: vector.reduce((sum, x, j) => sum + x * vectors[3][j], 0) }));
      const hits = await store.search(vectors[3], 50, { collectionIds: [name] });
      expect(hits.map((h) => h.chunk.chunkId).sort()).toEqual(expected.map((e) => e.id).sort());
    }
  });

  it('keeps the last committed state when a crash interrupted a write, and cleans up what it left', async () => {
    const store = await open();
    await store.upsert([{ chunk: chunk('a', 0), vector: v(1, 0) }]);
    const hnswDir = join(dir, 'vectors', 'hnsw');
    const committed = readdirSync(hnswDir).filter((f) => f !== 'manifest.json');
    expect(committed.sort()).toEqual(['index-1.bin', 'vectors-1.f32']);
    // What a crash between writing the next generation and renaming its manifest leaves behind.
    copyFileSync(join(hnswDir, 'index-1.bin'), join(hnswDir, 'index-99.bin'));
    copyFileSync(join(hnswDir, 'vectors-1.f32'), join(hnswDir, 'vectors-99.f32'));
    writeFileSync(join(hnswDir, 'manifest.json.tmp'), '{"version":1,"trunc');

    const reopened = await open();

    expect(await reopened.count()).toBe(1);
    expect((await reopened.search(v(1, 0), 1))[0].chunk.chunkId).toBe('a#0');
    expect(readdirSync(hnswDir).sort()).toEqual(['index-1.bin', 'manifest.json', 'vectors-1.f32']);
  });

  it('rejects vectors of the wrong dimension, non-finite components and a bad k, naming what was wrong', async () => {
    const store = await open();
    await store.upsert([{ chunk: chunk('a', 0), vector: v(1, 0, 0) }]);

    await expect(store.upsert([{ chunk: chunk('a', 1), vector: v(1, 0) }])).rejects.toThrow('vector of chunk a#1 has 2 dimensions, the index has 3');
    const fresh = new HnswVectorStore(join(dir, 'other'));
    await fresh.onModuleInit();
    await expect(fresh.upsert([{ chunk: chunk('b', 0), vector: v(1, 0) }, { chunk: chunk('b', 1), vector: v(1, 0, 0) }])).rejects.toThrow('vector of chunk b#1 has 3 dimensions, the index has 2');
    await expect(store.upsert([{ chunk: chunk('a', 2), vector: Float32Array.of(NaN, 0, 1) }])).rejects.toThrow('non-finite component at 0');
    await expect(store.search(v(1, 0), 1)).rejects.toThrow('query vector has 2 dimensions');
    await expect(store.search(v(1, 0, 0), -1)).rejects.toThrow('k must be a whole number ≥ 0, got -1');
    await expect(store.search(v(1, 0, 0), 1.5)).rejects.toThrow('k must be a whole number ≥ 0, got 1.5');
    expect(() => new HnswVectorStore(dir, { efSearch: 0 })).toThrow('option efSearch must be a positive number, got 0');
  });
});
