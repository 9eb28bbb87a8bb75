import type { RetrievedChunk } from '@relay/contracts';
import type { VectorStore } from '@relay/vector-store';
import { maximalMarginalRelevance } from './mmr';

export interface RetrieverOptions {
  topK: number;
  candidates: number;
  minScore: number;
  mmrLambda: number;
}

/** Top candidates by vector similarity, those below the relevance floor dropped, re-ranked by MMR to top-k. */
export class Retriever {
  constructor(
    private readonly store: VectorStore,
    private readonly options: RetrieverOptions,
  ) {}

  async retrieve(queryVector: Float32Array): Promise<RetrievedChunk[]> {
    if (this.options.topK === 0) return [];
    const hits = await this.store.search(queryVector, Math.max(this.options.candidates, this.options.topK));
    const relevant = hits.filter((h) => h.score >= this.options.minScore);
    return maximalMarginalRelevance(relevant, this.options.topK, this.options.mmrLambda).map((h) => ({
      chunkId: h.chunk.chunkId,
      documentId: h.chunk.documentId,
      title: h.chunk.title,
      source: h.chunk.source,
      text: h.chunk.text,
      score: h.score,
    }));
  }
}
