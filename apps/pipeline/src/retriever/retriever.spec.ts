import type { RetrievalScope } from '@relay/contracts';
import type { StoredChunk } from '@relay/vector-store';
import { InMemoryKeywordIndex, InMemoryVectorStore, unitVector } from '@relay/testing';
import { Retriever, RetrieverOptions } from './retriever';

const chunk = (id: string, text = `text of ${id}`, documentId = `doc-${id}`, collectionId = 'default'): StoredChunk => ({
  chunkId: `chunk-${id}`,
  documentId,
  collectionId,
  title: `Title ${id}`,
  source: `${id}.md`,
  position: 0,
  text,
});

const options = (overrides: Partial<RetrieverOptions> = {}): RetrieverOptions => ({
  topK: 4,
  vectorCandidates: 16,
  keywordCandidates: 16,
  rrfK: 60,
  reranker: 'none',
  minScore: 0.2,
  mmrLambda: 0.7,
  convexAlpha: 0.5,
  ...overrides,
});

const vector = unitVector(1, 0, 0);
const everything: RetrievalScope = { collectionIds: ['default'], excludedDocumentIds: [] };
const query = (text = 'unrelated words', scope = everything) => ({ text, vector, scope });

async function setup(entries: Array<{ chunk: StoredChunk; vector: Float32Array }>) {
  const store = new InMemoryVectorStore();
  const keywords = new InMemoryKeywordIndex();
  await store.upsert(entries);
  await keywords.upsert(entries.map((e) => e.chunk));
  return { store, keywords, sut: (overrides: Partial<RetrieverOptions> = {}) => new Retriever(store, keywords, options(overrides)) };
}

describe('Retriever', () => {
  const byCosine = () =>
    setup([
      { chunk: chunk('exact'), vector: unitVector(1, 0, 0) }, // cosine 1
      { chunk: chunk('close'), vector: unitVector(0.8, 0.6, 0) }, // 0.8
      { chunk: chunk('middling'), vector: unitVector(0.5, 0, Math.sqrt(0.75)) }, // 0.5
      { chunk: chunk('far'), vector: unitVector(0.1, 0, Math.sqrt(0.99)) }, // 0.1
      { chunk: chunk('opposite'), vector: unitVector(-1, 0, 0) }, // -1
    ]);

  describe('vector side', () => {
    it('drops hits below the minimum cosine, and keeps one exactly at it', async () => {
      const { sut } = await byCosine();
      const hits = await sut({ topK: 10, minScore: 0.5 }).retrieve(query());
      expect(hits.map((h) => h.chunkId).sort()).toEqual(['chunk-close', 'chunk-exact', 'chunk-middling']);
      for (const h of hits) expect(h.score).toBeGreaterThanOrEqual(0.5);
    });

    it('returns at most top-k chunks, best first, with the chunk fields and the cosine as score', async () => {
      const { sut } = await byCosine();
      const hits = await sut({ topK: 2, minScore: -1 }).retrieve(query());
      expect(hits).toHaveLength(2);
      expect(hits[0]).toEqual({
        chunkId: 'chunk-exact',
        documentId: 'doc-exact',
        title: 'Title exact',
        source: 'exact.md',
        text: 'text of exact',
        score: expect.closeTo(1, 5),
      });
      expect(hits[1].chunkId).toBe('chunk-close');
    });

    it('asks each side for the larger of its candidates and top-k', async () => {
      const { sut, store, keywords } = await byCosine();
      await sut({ topK: 3, vectorCandidates: 10, keywordCandidates: 5 }).retrieve(query('exact'));
      await sut({ topK: 7, vectorCandidates: 2, keywordCandidates: 2 }).retrieve(query('exact'));
      expect(store.searches.filter((s) => s.k !== 16).map((s) => s.k)).toEqual([10, 7]);
      expect(keywords.searches.map((s) => s.k)).toEqual([5, 7]);
    });

    it('returns nothing without searching when top-k is 0', async () => {
      const { sut, store, keywords } = await byCosine();
      expect(await sut({ topK: 0 }).retrieve(query('exact'))).toEqual([]);
      expect(store.searches).toEqual([]);
      expect(keywords.searches).toEqual([]);
    });

    it('returns nothing when no hit reaches the minimum score', async () => {
      const { sut } = await byCosine();
      expect(await sut({ minScore: 1.01 }).retrieve(query('exact close'))).toEqual([]);
    });
  });

  describe('hybrid', () => {
    // "far" has the query's rare words but a low cosine; vector search alone ranks it 4th of 5.
    const withKeywordMatch = () =>
      setup([
        { chunk: chunk('exact'), vector: unitVector(1, 0, 0) },
        { chunk: chunk('close'), vector: unitVector(0.8, 0.6, 0) },
        { chunk: chunk('middling'), vector: unitVector(0.5, 0, Math.sqrt(0.75)) },
        { chunk: chunk('far', 'kafka partition rebalancing'), vector: unitVector(0.3, 0, Math.sqrt(0.91)) },
        { chunk: chunk('opposite', 'kafka'), vector: unitVector(-1, 0, 0) },
      ]);

    it('fuses both rankings by RRF: a chunk found by both beats one found only by vector', async () => {
      const { sut } = await withKeywordMatch();
      const hits = await sut({ topK: 3, minScore: 0, vectorCandidates: 5 }).retrieve(query('kafka partition rebalancing'));
      // RRF: far = 1/64 + 1/61 (vector 4th, keyword 1st); exact = 1/61; close = 1/62.
      expect(hits.map((h) => h.chunkId)).toEqual(['chunk-far', 'chunk-exact', 'chunk-close']);
      expect(hits[0].score).toBeCloseTo(0.3, 5);
    });

    it('finds a chunk by keyword only, beyond the vector candidates, and reports its cosine looked up in the vector store', async () => {
      const { sut } = await withKeywordMatch();
      const hits = await sut({ topK: 3, minScore: 0, vectorCandidates: 2 }).retrieve(query('kafka partition rebalancing'));
      expect(hits.map((h) => h.chunkId)).toContain('chunk-far');
      expect(hits.find((h) => h.chunkId === 'chunk-far')!.score).toBeCloseTo(0.3, 5);
    });

    it('applies the cosine floor to keyword-only chunks too', async () => {
      const { sut } = await withKeywordMatch();
      const hits = await sut({ topK: 5, minScore: 0, vectorCandidates: 2 }).retrieve(query('kafka'));
      expect(hits.map((h) => h.chunkId)).not.toContain('chunk-opposite');
      expect(hits.map((h) => h.chunkId)).toContain('chunk-far');
    });

    it('ranks by keyword alone with no vector candidates, and by vector alone with no keyword candidates', async () => {
      const { sut, keywords } = await withKeywordMatch();
      const keywordOnly = await sut({ topK: 5, minScore: -1, vectorCandidates: 0 }).retrieve(query('kafka partition'));
      expect(keywordOnly.map((h) => h.chunkId)).toEqual(['chunk-far', 'chunk-opposite']);
      const vectorOnly = await sut({ topK: 2, minScore: -1, keywordCandidates: 0 }).retrieve(query('kafka partition'));
      expect(vectorOnly.map((h) => h.chunkId)).toEqual(['chunk-exact', 'chunk-close']);
      expect(keywords.searches).toHaveLength(1);
    });

    it('drops a keyword hit the vector store does not hold (no cosine to vouch for it)', async () => {
      const { sut, keywords } = await withKeywordMatch();
      await keywords.upsert([chunk('orphan', 'kafka partition rebalancing')]);
      const hits = await sut({ topK: 10, minScore: -1 }).retrieve(query('kafka partition rebalancing'));
      expect(hits.map((h) => h.chunkId)).not.toContain('chunk-orphan');
      expect(hits.map((h) => h.chunkId)).toContain('chunk-far');
    });
  });

  describe('scope', () => {
    // Two collections: "big" holds the chunks closest to the query and the keyword matches; "small" a few weaker ones.
    const twoCollections = () =>
      setup([
        ...Array.from({ length: 12 }, (_, i) => ({ chunk: chunk(`big-${i}`, 'kafka partition', `doc-big-${i % 3}`, 'big'), vector: unitVector(1, 0.01 * i, 0) })),
        ...Array.from({ length: 5 }, (_, i) => ({ chunk: chunk(`small-${i}`, i === 4 ? 'kafka' : 'other words', `doc-small-${i % 2}`, 'small'), vector: unitVector(0.5, 0.3 + 0.1 * i, 0.2) })),
      ]);
    const scoped = (collectionIds: string[], excludedDocumentIds: string[] = []): RetrievalScope => ({ collectionIds, excludedDocumentIds });

    it("passes the scope to the vector search, the keyword search and the keyword hits' vector lookup", async () => {
      const { sut, store, keywords } = await twoCollections();
      await sut({ topK: 3, minScore: -1, vectorCandidates: 1 }).retrieve(query('kafka', scoped(['small'], ['doc-gone'])));
      const filter = { collectionIds: ['small'], excludedDocumentIds: ['doc-gone'] };
      expect(keywords.searches.map((s) => s.filter)).toEqual([filter]);
      expect(store.searches.map((s) => s.filter)).toEqual([filter, { ...filter, documentIds: ['doc-small-0'] }]);
    });

    it('gives a reader of one small collection a full top-k from it, though larger collections are nearer', async () => {
      const { sut } = await twoCollections();
      const hits = await sut({ topK: 4, minScore: -1, vectorCandidates: 4, keywordCandidates: 4 }).retrieve(query('kafka partition', scoped(['small'])));
      expect(hits).toHaveLength(4);
      expect(hits.every((h) => h.chunkId.startsWith('chunk-small-'))).toBe(true);
      const everywhere = await sut({ topK: 4, minScore: -1, vectorCandidates: 4, keywordCandidates: 4 }).retrieve(query('kafka partition', scoped(['big', 'small'])));
      expect(everywhere.every((h) => h.chunkId.startsWith('chunk-big-'))).toBe(true);
    });

    it('retrieves nothing, without searching, for an empty scope', async () => {
      const { sut, store, keywords } = await twoCollections();
      expect(await sut({ minScore: -1 }).retrieve(query('kafka partition', scoped([])))).toEqual([]);
      expect(store.searches).toEqual([]);
      expect(keywords.searches).toEqual([]);
    });

    it('never returns an excluded document, found by vector or by keyword', async () => {
      const { sut } = await twoCollections();
      const hits = await sut({ topK: 10, minScore: -1 }).retrieve(query('kafka partition', scoped(['big', 'small'], ['doc-big-0', 'doc-small-0'])));
      expect(hits.length).toBeGreaterThan(0);
      expect(hits.map((h) => h.documentId)).not.toContain('doc-big-0');
      expect(hits.map((h) => h.documentId)).not.toContain('doc-small-0');
    });

    it('drops a keyword hit whose chunk the vector store holds in a collection outside the scope (a keyword index behind a move)', async () => {
      const { sut, keywords, store } = await twoCollections();
      // Moved to "big" in the vector store; the keyword index still has it in "small".
      const moved = chunk('small-4', 'kafka', 'doc-small-0', 'big');
      await store.upsert([{ chunk: moved, vector: unitVector(0.5, 0.7, 0.2) }]);
      const hits = await sut({ topK: 10, minScore: -1, vectorCandidates: 1 }).retrieve(query('kafka', scoped(['small'])));
      expect(keywords.searches[0].filter).toEqual({ collectionIds: ['small'] });
      expect(hits.map((h) => h.chunkId)).not.toContain('chunk-small-4');
    });
  });

  describe('re-rankers', () => {
    it('convex: weighs normalised cosine against normalised keyword score by alpha', async () => {
      const { sut } = await setup([
        { chunk: chunk('semantic'), vector: unitVector(1, 0, 0) }, // cosine 1, no keyword match
        { chunk: chunk('both', 'kafka'), vector: unitVector(0.9, 0.43589, 0) }, // 0.9, one word
        { chunk: chunk('lexical', 'kafka broker partitions'), vector: unitVector(0.5, 0, Math.sqrt(0.75)) }, // 0.5, three words
      ]);
      const q = query('kafka broker partitions');
      expect((await sut({ reranker: 'convex', convexAlpha: 1, topK: 3, minScore: 0 }).retrieve(q)).map((h) => h.chunkId)).toEqual(['chunk-semantic', 'chunk-both', 'chunk-lexical']);
      expect((await sut({ reranker: 'convex', convexAlpha: 0, topK: 1, minScore: 0 }).retrieve(q)).map((h) => h.chunkId)).toEqual(['chunk-lexical']);
      // α 0.5: semantic 0.5·1 + 0; both 0.5·0.8 + 0.5·0; lexical 0 + 0.5·1 → semantic and lexical tie above both.
      const balanced = await sut({ reranker: 'convex', convexAlpha: 0.5, topK: 3, minScore: 0 }).retrieve(q);
      expect(balanced[2].chunkId).toBe('chunk-both');
    });

    it('mmr: a diverse chunk beats a near-duplicate of the best one', async () => {
      const { sut } = await setup([
        { chunk: chunk('best'), vector: unitVector(0.9, 0.43589, 0) },
        { chunk: chunk('copy'), vector: unitVector(0.89, 0.45596, 0) },
        { chunk: chunk('other'), vector: unitVector(0.7, 0, 0.71414) },
      ]);
      // Relevance is the RRF score scaled to [0, 1]: best 1, copy ≈0.49, other 0; copy's redundancy with best ≈1, other's 0.63.
      const diverse = await sut({ reranker: 'mmr', topK: 2, minScore: 0, mmrLambda: 0.3 }).retrieve(query());
      expect(diverse.map((h) => h.chunkId)).toEqual(['chunk-best', 'chunk-other']);
      const byRelevance = await sut({ reranker: 'mmr', topK: 2, minScore: 0, mmrLambda: 1 }).retrieve(query());
      expect(byRelevance.map((h) => h.chunkId)).toEqual(['chunk-best', 'chunk-copy']);
    });
  });
});
