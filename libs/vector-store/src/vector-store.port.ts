export const VECTOR_STORE = Symbol('VECTOR_STORE');

/** A passage of a document, as indexed and as cited. */
export interface StoredChunk {
  chunkId: string;
  documentId: string;
  title: string;
  source: string;
  /** Order of the chunk within its document, from 0. */
  position: number;
  text: string;
}

export interface VectorHit {
  chunk: StoredChunk;
  vector: Float32Array;
  /** Cosine similarity to the query vector. */
  score: number;
}

/** Nearest-neighbour search over chunk vectors (normalised, cosine). */
export interface VectorStore {
  readonly kind: string;
  isReady(): boolean;
  /** Adds chunks, replacing any with the same chunkId. */
  upsert(chunks: Array<{ chunk: StoredChunk; vector: Float32Array }>): Promise<void>;
  search(vector: Float32Array, k: number): Promise<VectorHit[]>;
  /** Removes every chunk of a document; returns how many. */
  deleteDocument(documentId: string): Promise<number>;
  count(): Promise<number>;
}
