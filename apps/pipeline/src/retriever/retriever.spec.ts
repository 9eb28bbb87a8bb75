import type { StoredChunk } from '@relay/vector-store';
import { InMemoryVectorStore, unitVector } from '@relay/testing';
import { Retriever, RetrieverOptions } from './retriever';

const chunk = (id: string): StoredChunk => ({
  chunkId: `chunk-${id}`,
  documentId: `doc-${id}`,
  title: `Title ${id}`,
  source: `${id}.md`,
  position: 0,
  text: `text of ${id}`,
});

const options = (overrides: Partial<RetrieverOptions> = {}): RetrieverOptions => ({
  topK: 4,
  candidates: 16,
  minScore: 0.2,
  mmrLambda: 0.7,
  ...overrides,
});

const query = unitVector(1, 0, 0);

describe('Retriever', () => {
  let store: InMemoryVectorStore;

  beforeEach(async () => {
    store = new InMemoryVectorStore();
    await store.upsert([
      { chunk: chunk('exact'), vector: unitVector(1, 0, 0) }, // score 1
      { chunk: chunk('close'), vector: unitVector(0.8, 0.6, 0) }, // score 0.8
      { chunk: chunk('middling'), vector: unitVector(0.5, 0, Math.sqrt(0.75)) }, // score 0.5
      { chunk: chunk('far'), vector: unitVector(0.1, 0, Math.sqrt(0.99)) }, // score 0.1
      { chunk: chunk('opposite'), vector: unitVector(-1, 0, 0) }, // score -1
    ]);
  });

  it('drops hits below the minimum score', async () => {
    const hits = await new Retriever(store, options({ topK: 10, minScore: 0.3 })).retrieve(query);
    expect(hits.map((h) => h.chunkId).sort()).toEqual(['chunk-close', 'chunk-exact', 'chunk-middling']);
    for (const h of hits) expect(h.score).toBeGreaterThanOrEqual(0.3);
  });

  it('keeps a hit scoring exactly the minimum', async () => {
    const hits = await new Retriever(store, options({ topK: 10, minScore: 0.5, mmrLambda: 1 })).retrieve(query);
    expect(hits.map((h) => h.chunkId)).toContain('chunk-middling');
  });

  it('returns at most top-k chunks, best first, with the chunk fields and score', async () => {
    const hits = await new Retriever(store, options({ topK: 2, minScore: -1, mmrLambda: 1 })).retrieve(query);
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

  it('asks the store for the larger of candidates and top-k', async () => {
    await new Retriever(store, options({ topK: 3, candidates: 10 })).retrieve(query);
    await new Retriever(store, options({ topK: 7, candidates: 2 })).retrieve(query);
    expect(store.searches.map((s) => s.k)).toEqual([10, 7]);
  });

  it('returns nothing without searching when top-k is 0', async () => {
    expect(await new Retriever(store, options({ topK: 0 })).retrieve(query)).toEqual([]);
    expect(store.searches).toEqual([]);
  });

  it('returns nothing when no hit reaches the minimum score', async () => {
    expect(await new Retriever(store, options({ minScore: 1.01 })).retrieve(query)).toEqual([]);
  });

  it('re-ranks with MMR so a diverse chunk beats a near-duplicate of the best one', async () => {
    const dupes = new InMemoryVectorStore();
    await dupes.upsert([
      { chunk: chunk('best'), vector: unitVector(0.9, 0.43589, 0) }, // score 0.9
      { chunk: chunk('copy'), vector: unitVector(0.89, 0.45596, 0) }, // score ≈0.89, almost the same direction
      { chunk: chunk('other'), vector: unitVector(0.7, 0, 0.71414) }, // score 0.7, a different direction
    ]);

    const diverse = await new Retriever(dupes, options({ topK: 2, minScore: 0, mmrLambda: 0.5 })).retrieve(query);
    expect(diverse.map((h) => h.chunkId)).toEqual(['chunk-best', 'chunk-other']);

    const byScore = await new Retriever(dupes, options({ topK: 2, minScore: 0, mmrLambda: 1 })).retrieve(query);
    expect(byScore.map((h) => h.chunkId)).toEqual(['chunk-best', 'chunk-copy']);
  });
});
