import type { RetrievalScope, RetrievedChunk } from '@relay/contracts';
import { convexCombination, KeywordIndex, reciprocalRankFusion } from '@relay/retrieval';
import type { ChunkFilter, StoredChunk, VectorStore } from '@relay/vector-store';
import { maximalMarginalRelevance } from './mmr';

export const RERANKERS = ['none', 'mmr', 'convex'] as const;
export type RerankerName = (typeof RERANKERS)[number];

export interface RetrieverOptions {
  /** Chunks returned at most. */
  topK: number;
  /** Nearest chunks asked of the vector store; 0 = no vector search (keyword only). */
  vectorCandidates: number;
  /** Best BM25 chunks asked of the keyword index; 0 = no keyword search (vector only). */
  keywordCandidates: number;
  /** Reciprocal rank fusion's k. */
  rrfK: number;
  /** none = RRF order; mmr = MMR over RRF relevance; convex = α·cosine + (1−α)·BM25, both min-max normalised. */
  reranker: RerankerName;
  /** Relevance floor on cosine similarity, whatever the method that found a chunk. */
  minScore: number;
  mmrLambda: number;
  convexAlpha: number;
}

export interface RetrievalQuery {
  text: string;
  /** The query's normalised embedding. */
  vector: Float32Array;
  /** What may be retrieved: every search (vector, keyword, and the keyword hits' vector lookup) is filtered by it. */
  scope: RetrievalScope;
}

interface Candidate {
  chunk: StoredChunk;
  vector: Float32Array;
  cosine: number;
  bm25?: number;
}

// A keyword-only chunk's cosine is looked up among the chunks of its documents; this many per chunk are asked for.
const LOOKUP_PER_CHUNK = 16;

/**
 * Hybrid retrieval: the vector store's nearest chunks and the keyword index's best BM25 chunks, fused by reciprocal
 * rank fusion, chunks below the cosine floor dropped, then re-ranked to top-k. Every chunk carries its cosine
 * similarity to the query as `score`, also one found only by BM25 (looked up in the vector store), so the floor and
 * the score mean the same thing whichever method found the chunk. Only chunks inside the query's scope are ever
 * searched: the scope is passed to each store as a filter it applies while searching.
 */
export class Retriever {
  constructor(
    private readonly store: VectorStore,
    private readonly keywords: KeywordIndex,
    private readonly options: RetrieverOptions,
    /** Told how long each search took, by index (the retrieval metrics). */
    private readonly onSearch: (index: 'vector' | 'keyword', seconds: number) => void = () => undefined,
  ) {}

  private async timed<T>(index: 'vector' | 'keyword', search: () => Promise<T> | T): Promise<T> {
    const started = performance.now();
    const result = await search();
    this.onSearch(index, (performance.now() - started) / 1000);
    return result;
  }

  async retrieve(query: RetrievalQuery): Promise<RetrievedChunk[]> {
    const { topK, vectorCandidates, keywordCandidates } = this.options;
    const scope = scopeFilter(query.scope);
    if (topK === 0 || scope.collectionIds.length === 0) return [];
    const [vectorHits, keywordHits] = await Promise.all([
      vectorCandidates > 0 ? this.timed('vector', () => this.store.search(query.vector, Math.max(vectorCandidates, topK), scope)) : [],
      keywordCandidates > 0 && query.text.trim() ? this.timed('keyword', () => this.keywords.search(query.text, Math.max(keywordCandidates, topK), scope)) : [],
    ]);

    const candidates = new Map<string, Candidate>();
    for (const hit of vectorHits) candidates.set(hit.chunk.chunkId, { chunk: hit.chunk, vector: hit.vector, cosine: hit.score });
    const keywordOnly = keywordHits.filter((hit) => !candidates.has(hit.chunk.chunkId));
    const looked = await this.lookUpVectors(query.vector, keywordOnly.map((hit) => hit.chunk), scope);
    for (const hit of keywordHits) {
      const known = candidates.get(hit.chunk.chunkId) ?? looked.get(hit.chunk.chunkId);
      // Not found in the vector store (indexed in one store only, or beyond the lookup): no cosine, so no vouching for it.
      if (known) candidates.set(hit.chunk.chunkId, { ...known, bm25: hit.score });
    }

    const fused = reciprocalRankFusion(
      [vectorHits.map((h) => h.chunk.chunkId), keywordHits.map((h) => h.chunk.chunkId)],
      this.options.rrfK,
    ).filter((f) => candidates.has(f.id) && candidates.get(f.id)!.cosine >= this.options.minScore);

    return this.rerank(fused, candidates).map(({ chunk, cosine }) => ({
      chunkId: chunk.chunkId,
      documentId: chunk.documentId,
      title: chunk.title,
      source: chunk.source,
      text: chunk.text,
      score: cosine,
    }));
  }

  private rerank(fused: Array<{ id: string; score: number }>, candidates: Map<string, Candidate>): Candidate[] {
    const { topK, reranker } = this.options;
    if (reranker === 'convex') {
      const scored = fused.map((f) => ({ id: f.id, vectorScore: candidates.get(f.id)!.cosine, keywordScore: candidates.get(f.id)!.bm25 }));
      return convexCombination(scored, this.options.convexAlpha)
        .slice(0, topK)
        .map((s) => candidates.get(s.id)!);
    }
    if (reranker === 'mmr') {
      // RRF scores are tiny (≈1/60); scaled to [0, 1] they trade off against cosine redundancy as MMR expects.
      const best = fused[0]?.score ?? 0;
      const worst = fused[fused.length - 1]?.score ?? 0;
      const items = fused.map((f) => ({ ...candidates.get(f.id)!, score: best > worst ? (f.score - worst) / (best - worst) : 1 }));
      return maximalMarginalRelevance(items, topK, this.options.mmrLambda);
    }
    return fused.slice(0, topK).map((f) => candidates.get(f.id)!);
  }

  /**
   * Vectors and cosines of chunks found only by keyword: a vector search restricted to their documents, and still to
   * the scope (the vector store's copy is the record of a chunk's collection, should the keyword index lag behind it).
   */
  private async lookUpVectors(vector: Float32Array, chunks: StoredChunk[], scope: ChunkFilter): Promise<Map<string, Candidate>> {
    const found = new Map<string, Candidate>();
    if (chunks.length === 0) return found;
    const documentIds = [...new Set(chunks.map((c) => c.documentId))];
    const wanted = new Set(chunks.map((c) => c.chunkId));
    for (const hit of await this.store.search(vector, chunks.length * LOOKUP_PER_CHUNK, { ...scope, documentIds })) {
      if (wanted.has(hit.chunk.chunkId)) found.set(hit.chunk.chunkId, { chunk: hit.chunk, vector: hit.vector, cosine: hit.score });
    }
    return found;
  }
}

/** A query's scope as the stores' filter. */
function scopeFilter(scope: RetrievalScope): ChunkFilter & { collectionIds: string[] } {
  return { collectionIds: scope.collectionIds, ...(scope.excludedDocumentIds.length > 0 ? { excludedDocumentIds: scope.excludedDocumentIds } : {}) };
}
