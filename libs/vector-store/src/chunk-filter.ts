import { DEFAULT_COLLECTION_ID } from '@relay/contracts';
import type { ChunkFilter, StoredChunk } from './vector-store.port';

/**
 * A filter compiled once per search into a test of one chunk, for the stores that look at every chunk they
 * consider (the exact index, the in-memory fakes, BM25). `matchesNothing` lets a caller skip the search altogether.
 */
export interface CompiledChunkFilter {
  matches(chunk: Pick<StoredChunk, 'documentId' | 'collectionId'>): boolean;
  /** An empty allow-list: no chunk can pass. */
  readonly matchesNothing: boolean;
  /** No restriction at all: every chunk passes. */
  readonly matchesAll: boolean;
}

export function compileChunkFilter(filter: ChunkFilter | undefined): CompiledChunkFilter {
  const documents = filter?.documentIds && new Set(filter.documentIds);
  const collections = filter?.collectionIds && new Set(filter.collectionIds);
  const excluded = filter?.excludedDocumentIds?.length ? new Set(filter.excludedDocumentIds) : undefined;
  return {
    matchesNothing: documents?.size === 0 || collections?.size === 0,
    matchesAll: !documents && !collections && !excluded,
    matches: (chunk) =>
      (!documents || documents.has(chunk.documentId)) &&
      (!collections || collections.has(chunk.collectionId)) &&
      (!excluded || !excluded.has(chunk.documentId)),
  };
}

/** A chunk read from storage written before collections existed: it belongs to `default`. */
export function withCollection<T extends Omit<StoredChunk, 'collectionId'> & { collectionId?: string }>(chunk: T): T & { collectionId: string } {
  return chunk.collectionId ? (chunk as T & { collectionId: string }) : { ...chunk, collectionId: DEFAULT_COLLECTION_ID };
}
