import type { StoredChunk, VectorStore } from '@relay/vector-store';

/** How the contract reaches one adapter. */
export interface VectorStoreSubject {
  /** Dimension of the vectors the tests use (the adapter is opened for it). */
  dimension: number;
  /** A new, empty place for a store: a folder, a collection name. */
  newPlace(): string;
  /** Opens (and starts, as Nest would) a store over a place; opening the same place again is a restart. */
  open(place: string): Promise<VectorStore>;
  close(store: VectorStore): Promise<void>;
  /** Whether what a store holds outlives it (then a reopened place must hold the same chunks). */
  persists: boolean;
}

/** Runs the lifecycle hooks Nest would run on a provider, in Nest's order. */
export async function startLikeNest<T extends VectorStore>(store: T): Promise<T> {
  const hooks = store as Partial<{ onModuleInit(): unknown; onApplicationBootstrap(): unknown }>;
  await hooks.onModuleInit?.();
  await hooks.onApplicationBootstrap?.();
  return store;
}

export async function stopLikeNest(store: VectorStore): Promise<void> {
  await (store as Partial<{ onModuleDestroy(): unknown }>).onModuleDestroy?.();
}

/** A seeded generator of unit vectors, so every adapter sees the same data and failures reproduce. */
export function unitVectors(dimension: number, seed = 1) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
  return (): Float32Array => {
    const v = Float32Array.from({ length: dimension }, next);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  };
}

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i], 0);

function chunk(documentId: string, position: number, extra: Partial<StoredChunk> = {}): StoredChunk {
  return {
    chunkId: `kb:${documentId}#${position}`,
    documentId,
    collectionId: 'default',
    title: `${documentId} › part ${position}`,
    source: `docs/${documentId}`,
    position,
    text: `Text of ${documentId}, part ${position}.`,
    ...extra,
  };
}

async function all(iterable: AsyncIterable<StoredChunk>): Promise<StoredChunk[]> {
  const out: StoredChunk[] = [];
  for await (const c of iterable) out.push(c);
  return out;
}

/**
 * What every VECTOR_STORE adapter must do, as the retriever and the indexer rely on it. Call inside a describe;
 * `subject` gives the adapter under test.
 */
export function vectorStoreContract(subject: () => VectorStoreSubject): void {
  let s: VectorStoreSubject;
  let store: VectorStore;
  let place: string;
  let vec: () => Float32Array;

  beforeEach(async () => {
    s = subject();
    vec = unitVectors(s.dimension, 42);
    place = s.newPlace();
    store = await s.open(place);
  });
  afterEach(async () => {
    await s.close(store);
  });

  it('is ready once started, and empty: search finds nothing, count is 0, chunks() yields nothing', async () => {
    expect(store.isReady()).toBe(true);
    expect(await store.search(vec(), 5)).toEqual([]);
    expect(await store.count()).toBe(0);
    expect(await all(store.chunks())).toEqual([]);
  });

  it('finds the nearest chunks first, with cosine similarity as the score and the stored vector', async () => {
    const items = Array.from({ length: 20 }, (_, i) => ({ chunk: chunk(`doc-${i % 4}.md`, i), vector: vec() }));
    await store.upsert(items);
    const query = vec();
    const expected = items.map((it) => ({ id: it.chunk.chunkId, score: cosine(query, it.vector) })).sort((a, b) => b.score - a.score);

    const hits = await store.search(query, 5);

    expect(hits.map((h) => h.chunk.chunkId)).toEqual(expected.slice(0, 5).map((e) => e.id));
    hits.forEach((h, i) => expect(h.score).toBeCloseTo(expected[i].score, 5));
    const stored = items.find((it) => it.chunk.chunkId === hits[0].chunk.chunkId)!;
    expect(hits[0].vector).toBeInstanceOf(Float32Array);
    expect(Array.from(hits[0].vector).map((x) => x.toFixed(5))).toEqual(Array.from(stored.vector).map((x) => x.toFixed(5)));
    // The exact match of a stored vector is its own nearest neighbour, at similarity 1.
    const self = await store.search(items[7].vector, 1);
    expect(self[0].chunk.chunkId).toBe(items[7].chunk.chunkId);
    expect(self[0].score).toBeCloseTo(1, 5);
  });

  it('returns every chunk, best first, when k is larger than the count', async () => {
    const items = Array.from({ length: 3 }, (_, i) => ({ chunk: chunk('small.md', i), vector: vec() }));
    await store.upsert(items);
    const hits = await store.search(vec(), 50);
    expect(hits).toHaveLength(3);
    expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
  });

  it('answers k = 0 with nothing', async () => {
    await store.upsert([{ chunk: chunk('a.md', 0), vector: vec() }]);
    expect(await store.search(vec(), 0)).toEqual([]);
  });

  it('replaces a chunk upserted again under the same chunkId', async () => {
    const first = chunk('a.md', 0);
    await store.upsert([{ chunk: first, vector: vec() }, { chunk: chunk('a.md', 1), vector: vec() }]);
    const newVector = vec();
    await store.upsert([{ chunk: { ...first, text: 'Rewritten.', title: 'New title' }, vector: newVector }]);

    expect(await store.count()).toBe(2);
    const [hit] = await store.search(newVector, 1);
    expect(hit.chunk).toEqual({ ...first, text: 'Rewritten.', title: 'New title' });
    expect(hit.score).toBeCloseTo(1, 5);
    expect((await all(store.chunks())).filter((c) => c.chunkId === first.chunkId)).toHaveLength(1);
  });

  it('searches only the documents a filter names', async () => {
    const items = ['a.md', 'b.md', 'c.md'].flatMap((doc) => Array.from({ length: 4 }, (_, i) => ({ chunk: chunk(doc, i), vector: vec() })));
    await store.upsert(items);
    const query = vec();

    const onlyB = await store.search(query, 10, { documentIds: ['b.md'] });
    expect(onlyB).toHaveLength(4);
    expect(new Set(onlyB.map((h) => h.chunk.documentId))).toEqual(new Set(['b.md']));

    const aOrC = await store.search(query, 3, { documentIds: ['a.md', 'c.md'] });
    const expected = items
      .filter((it) => it.chunk.documentId !== 'b.md')
      .map((it) => ({ id: it.chunk.chunkId, score: cosine(query, it.vector) }))
      .sort((a, b) => b.score - a.score);
    expect(aOrC.map((h) => h.chunk.chunkId)).toEqual(expected.slice(0, 3).map((e) => e.id));

    expect(await store.search(query, 10, { documentIds: ['nope.md'] })).toEqual([]);
    expect(await store.search(query, 10, { documentIds: [] })).toEqual([]);
    expect(await store.search(query, 20, {})).toHaveLength(12);
  });

  describe('collections and scopes', () => {
    // Two large collections and a small one, the query in the middle of a large one: a reader of the small one must
    // still get a full top-k, the best of the small one, however far it lies from the query.
    const seedCollections = async () => {
      const items = [
        ...Array.from({ length: 300 }, (_, i) => ({ chunk: chunk(`big-a-${i % 30}.md`, i, { collectionId: 'big-a' }), vector: vec() })),
        ...Array.from({ length: 300 }, (_, i) => ({ chunk: chunk(`big-b-${i % 30}.md`, i, { collectionId: 'big-b' }), vector: vec() })),
        ...Array.from({ length: 12 }, (_, i) => ({ chunk: chunk(`small-${i % 3}.md`, i, { collectionId: 'small' }), vector: vec() })),
      ];
      await store.upsert(items);
      return items;
    };
    const bestOf = (items: Array<{ chunk: StoredChunk; vector: Float32Array }>, query: Float32Array, k: number, keep: (c: StoredChunk) => boolean) =>
      items
        .filter((it) => keep(it.chunk))
        .map((it) => ({ id: it.chunk.chunkId, score: cosine(query, it.vector) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, k)
        .map((e) => e.id);

    it('gives a reader of one small collection a full top-k from it, though the query sits among larger ones', async () => {
      const items = await seedCollections();
      const query = items[17].vector; // a chunk of big-a: its whole neighbourhood is big-a's
      const hits = await store.search(query, 10, { collectionIds: ['small'] });
      expect(hits).toHaveLength(10);
      expect(hits.every((h) => h.chunk.collectionId === 'small')).toBe(true);
      expect(hits.map((h) => h.chunk.chunkId)).toEqual(bestOf(items, query, 10, (c) => c.collectionId === 'small'));
      hits.forEach((h) => expect(h.score).toBeCloseTo(cosine(query, items.find((it) => it.chunk.chunkId === h.chunk.chunkId)!.vector), 5));
      // More than the collection holds: all of it, best first.
      expect((await store.search(query, 50, { collectionIds: ['small'] })).map((h) => h.chunk.chunkId)).toEqual(bestOf(items, query, 50, (c) => c.collectionId === 'small'));
    });

    it('searches several collections as one, and a collection no chunk is in as nothing', async () => {
      const items = await seedCollections();
      const query = vec();
      const hits = await store.search(query, 15, { collectionIds: ['small', 'big-b', 'nobody-here'] });
      expect(hits.map((h) => h.chunk.chunkId)).toEqual(bestOf(items, query, 15, (c) => c.collectionId !== 'big-a'));
      expect(await store.search(query, 10, { collectionIds: ['nobody-here'] })).toEqual([]);
      // Every collection there is: the same as no filter.
      expect((await store.search(query, 10, { collectionIds: ['big-a', 'big-b', 'small'] })).map((h) => h.chunk.chunkId)).toEqual(bestOf(items, query, 10, () => true));
    });

    it('matches nothing with an empty list of collections, in search and in chunks()', async () => {
      await seedCollections();
      expect(await store.search(vec(), 10, { collectionIds: [] })).toEqual([]);
      expect(await all(store.chunks({ collectionIds: [] }))).toEqual([]);
      expect(await store.search(vec(), 10, { collectionIds: [], excludedDocumentIds: ['small-0.md'] })).toEqual([]);
    });

    it('never returns an excluded document, and still a full top-k from the rest of the scope', async () => {
      const items = await seedCollections();
      const query = items[603].vector; // a chunk of small-0.md (position 603 - 600 = 3, 3 % 3 = 0)
      expect(items[603].chunk.documentId).toBe('small-0.md');
      const hits = await store.search(query, 8, { collectionIds: ['small'], excludedDocumentIds: ['small-0.md', 'not-indexed.md'] });
      expect(hits.map((h) => h.chunk.chunkId)).toEqual(bestOf(items, query, 8, (c) => c.collectionId === 'small' && c.documentId !== 'small-0.md'));
      expect(hits).toHaveLength(8);
      // Alone, an exclusion filters the whole index.
      const unscoped = await store.search(query, 5, { excludedDocumentIds: ['small-0.md'] });
      expect(unscoped.map((h) => h.chunk.chunkId)).toEqual(bestOf(items, query, 5, (c) => c.documentId !== 'small-0.md'));
      // With documentIds: those documents, inside the collections, less the excluded.
      const both = await store.search(query, 20, { documentIds: ['small-0.md', 'small-1.md', 'big-a-1.md'], collectionIds: ['small'], excludedDocumentIds: ['small-0.md'] });
      expect(new Set(both.map((h) => h.chunk.documentId))).toEqual(new Set(['small-1.md']));
      expect(both).toHaveLength(4);
      const scanned = await all(store.chunks({ collectionIds: ['small'], excludedDocumentIds: ['small-0.md'] }));
      expect(scanned.map((c) => c.chunkId).sort()).toEqual(items.filter((it) => it.chunk.collectionId === 'small' && it.chunk.documentId !== 'small-0.md').map((it) => it.chunk.chunkId).sort());
    });

    it('moves a document to another collection when its chunks are upserted again with it', async () => {
      const items = await seedCollections();
      const doc = items.filter((it) => it.chunk.documentId === 'small-2.md');
      await store.upsert(doc.map((it) => ({ chunk: { ...it.chunk, collectionId: 'big-b' }, vector: it.vector })));

      expect(await store.count()).toBe(items.length);
      const query = doc[0].vector;
      const inSmall = await store.search(query, 50, { collectionIds: ['small'] });
      expect(inSmall.map((h) => h.chunk.documentId)).not.toContain('small-2.md');
      expect(inSmall).toHaveLength(8);
      const [top] = await store.search(query, 1, { collectionIds: ['big-b'] });
      expect(top.chunk).toEqual({ ...doc[0].chunk, collectionId: 'big-b' });
      expect(top.score).toBeCloseTo(1, 5);
      const movedChunks = await all(store.chunks({ collectionIds: ['big-b'], documentIds: ['small-2.md'] }));
      expect(movedChunks.map((c) => c.chunkId).sort()).toEqual(doc.map((it) => it.chunk.chunkId).sort());
    });
  });

  it('deletes every chunk of a document from search, count and chunks(), and says how many', async () => {
    await store.upsert([
      ...Array.from({ length: 5 }, (_, i) => ({ chunk: chunk('gone.md', i), vector: vec() })),
      ...Array.from({ length: 2 }, (_, i) => ({ chunk: chunk('kept.md', i), vector: vec() })),
    ]);

    expect(await store.deleteDocument('gone.md')).toBe(5);

    expect(await store.count()).toBe(2);
    expect((await store.search(vec(), 10)).map((h) => h.chunk.documentId)).toEqual(['kept.md', 'kept.md']);
    expect(await store.search(vec(), 10, { documentIds: ['gone.md'] })).toEqual([]);
    expect((await all(store.chunks())).map((c) => c.documentId)).toEqual(['kept.md', 'kept.md']);
    expect(await store.deleteDocument('gone.md')).toBe(0);
    expect(await store.deleteDocument('never-there.md')).toBe(0);
  });

  it('keeps every chunk field, page included, and leaves page out when a chunk has none', async () => {
    const paged = chunk('manual.pdf', 3, { page: 12, collectionId: 'hand_books-2', title: 'Manual › Ünïcödé “quotes” & <tags>', text: 'Line one\nLine two\t✓' });
    const plain = chunk('notes.md', 0);
    const pagedVector = vec();
    await store.upsert([
      { chunk: paged, vector: pagedVector },
      { chunk: plain, vector: vec() },
    ]);

    const [hit] = await store.search(pagedVector, 1);
    expect(hit.chunk).toEqual(paged);
    const scanned = await all(store.chunks());
    expect(scanned.find((c) => c.chunkId === paged.chunkId)).toEqual(paged);
    const plainBack = scanned.find((c) => c.chunkId === plain.chunkId)!;
    expect(plainBack).toEqual(plain);
    expect('page' in plainBack).toBe(false);
  });

  it('scans every chunk with chunks(), across more than one page of results', async () => {
    const items = Array.from({ length: 300 }, (_, i) => ({ chunk: chunk(`doc-${i % 7}.md`, i), vector: vec() }));
    await store.upsert(items);
    const scanned = await all(store.chunks());
    expect(scanned).toHaveLength(300);
    expect(new Set(scanned.map((c) => c.chunkId))).toEqual(new Set(items.map((it) => it.chunk.chunkId)));
    expect(await store.count()).toBe(300);
  });

  it('scans only the documents a filter names with chunks(filter)', async () => {
    const items = Array.from({ length: 30 }, (_, i) => ({ chunk: chunk(`doc-${i % 3}.md`, i), vector: vec() }));
    await store.upsert(items);
    const scanned = await all(store.chunks({ documentIds: ['doc-1.md', 'doc-2.md'] }));
    expect(scanned).toHaveLength(20);
    expect(new Set(scanned.map((c) => c.documentId))).toEqual(new Set(['doc-1.md', 'doc-2.md']));
    expect(await all(store.chunks({ documentIds: ['nope.md'] }))).toEqual([]);
    expect(await all(store.chunks({ documentIds: [] }))).toEqual([]);
  });

  it('holds the same chunks after a restart, when the adapter persists', async () => {
    if (!s.persists) {
      // Stated rather than skipped: a store that keeps nothing across a restart must come back empty.
      await store.upsert([{ chunk: chunk('a.md', 0), vector: vec() }]);
      await s.close(store);
      store = await s.open(place);
      expect(await store.count()).toBe(0);
      return;
    }
    const items = Array.from({ length: 6 }, (_, i) => ({ chunk: chunk(i < 3 ? 'a.md' : 'b.md', i, i === 0 ? { page: 1 } : { collectionId: `team-${i % 2}` }), vector: vec() }));
    await store.upsert(items);
    await store.deleteDocument('b.md');
    await s.close(store);

    store = await s.open(place);

    expect(await store.count()).toBe(3);
    const [hit] = await store.search(items[1].vector, 1);
    expect(hit.chunk).toEqual(items[1].chunk);
    expect(hit.score).toBeCloseTo(1, 5);
    expect((await all(store.chunks())).sort((a, b) => a.position - b.position)).toEqual(items.slice(0, 3).map((it) => it.chunk));
    // The collections came back with the chunks, and filter as before.
    expect((await store.search(items[1].vector, 5, { collectionIds: ['team-1'] })).map((h) => h.chunk.chunkId)).toEqual([items[1].chunk.chunkId]);
    expect((await store.search(items[0].vector, 5, { collectionIds: ['default'] })).map((h) => h.chunk.chunkId)).toEqual([items[0].chunk.chunkId]);
  });
}
