export const VECTOR_STORE = Symbol('VECTOR_STORE');

/** A passage of a document, as indexed and as cited. */
export interface StoredChunk {
  chunkId: string;
  documentId: string;
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

/** Restricts a search; every field optional, all given fields must match. */
export interface VectorSearchFilter {
  /** Only chunks of these documents. */
  documentIds?: string[];
}

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
