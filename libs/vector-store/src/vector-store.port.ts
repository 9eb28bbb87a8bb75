export const VECTOR_STORE = Symbol('VECTOR_STORE');

/** A passage of a document, as indexed and as cited. */
export interface StoredChunk {
  chunkId: string;
  documentId: string;
  /** The collection its document belongs to (`default` for chunks stored before collections existed). */
  collectionId: string;
  title: string;
  source: string;
  /** Order of the chunk within its document, from 0. */
  position: number;
  /** 1-based page of a paginated source (PDF); absent otherwise. */
  page?: number;
  text: string;
}

export interface VectorHit {
  chunk: StoredChunk;
  vector: Float32Array;
  /** Cosine similarity to the query vector. */
  score: number;
}

/**
 * Restricts a search or a scan; every field optional, all given fields must hold. A search applies it while it
 * searches, so it returns the k best chunks that pass (as many as exist, up to k), never k candidates filtered after.
 */
export interface ChunkFilter {
  /** Only chunks of these documents; an empty list matches nothing. */
  documentIds?: string[];
  /** Only chunks of these collections; an empty list matches nothing. */
  collectionIds?: string[];
  /** Never chunks of these documents. */
  excludedDocumentIds?: string[];
}
export type VectorSearchFilter = ChunkFilter;

/** Nearest-neighbour search over chunk vectors (normalised, cosine). */
export interface VectorStore {
  readonly kind: string;
  isReady(): boolean;
  /** What the readiness check shows besides ready (e.g. a server's URL and last error); default `{ kind }`. */
  details?(): Record<string, unknown>;
  /** Adds chunks, replacing any with the same chunkId. */
  upsert(chunks: Array<{ chunk: StoredChunk; vector: Float32Array }>): Promise<void>;
  search(vector: Float32Array, k: number, filter?: VectorSearchFilter): Promise<VectorHit[]>;
  /** Removes every chunk of a document; returns how many. */
  deleteDocument(documentId: string): Promise<number>;
  count(): Promise<number>;
  /** Every stored chunk (of the filter's documents), in no particular order: to rebuild or refresh a keyword index. */
  chunks(filter?: VectorSearchFilter): AsyncIterable<StoredChunk>;
}
