import type { ChunkFilter, StoredChunk } from '@relay/vector-store';

export const KEYWORD_INDEX = Symbol('KEYWORD_INDEX');

export interface KeywordHit {
  chunk: StoredChunk;
  /** Lexical relevance (BM25); comparable only within one search. */
  score: number;
}

/** Lexical search over the same chunks as the vector store: finds exact terms, names and numbers embeddings blur. */
export interface KeywordIndex {
  readonly kind: string;
  isReady(): boolean;
  /** Adds chunks, replacing any with the same chunkId. */
  upsert(chunks: StoredChunk[]): Promise<void>;
  /**
   * The k best chunks that pass the filter (the same filter as the vector store's, applied while scoring, so a filter
   * that passes few chunks still gets up to k of them).
   */
  search(query: string, k: number, filter?: ChunkFilter): Promise<KeywordHit[]>;
  /** Removes every chunk of a document; returns how many. */
  deleteDocument(documentId: string): Promise<number>;
  count(): Promise<number>;
}
