import { compileChunkFilter, dot, type StoredChunk, type VectorHit, type VectorSearchFilter, type VectorStore } from '@relay/vector-store';

/** Exact dot-product search over an in-memory map; vectors are assumed normalised, as the port requires. */
export class InMemoryVectorStore implements VectorStore {
  readonly kind = 'in-memory';
  readonly searches: Array<{ vector: Float32Array; k: number; filter?: VectorSearchFilter }> = [];
  /** While set, deleteDocument waits for it (to hold a delete half-way, as a slow index would). */
  deleteGate: Promise<void> | undefined;
  private readonly entries = new Map<string, { chunk: StoredChunk; vector: Float32Array }>();

  isReady(): boolean {
    return true;
  }

  async upsert(chunks: Array<{ chunk: StoredChunk; vector: Float32Array }>): Promise<void> {
    for (const entry of chunks) this.entries.set(entry.chunk.chunkId, entry);
  }

  async search(vector: Float32Array, k: number, filter?: VectorSearchFilter): Promise<VectorHit[]> {
    this.searches.push({ vector, k, filter });
    const only = compileChunkFilter(filter);
    return [...this.entries.values()]
      .filter((e) => only.matches(e.chunk))
      .map((e) => ({ ...e, score: dot(vector, e.vector) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  }

  async deleteDocument(documentId: string): Promise<number> {
    await this.deleteGate;
    let removed = 0;
    for (const [id, e] of this.entries) {
      if (e.chunk.documentId === documentId) {
        this.entries.delete(id);
        removed++;
      }
    }
    return removed;
  }

  async count(): Promise<number> {
    return this.entries.size;
  }

  async *chunks(filter?: VectorSearchFilter): AsyncIterable<StoredChunk> {
    const only = compileChunkFilter(filter);
    for (const entry of [...this.entries.values()]) if (only.matches(entry.chunk)) yield entry.chunk;
  }
}

/** A unit vector from raw components. */
export function unitVector(...components: number[]): Float32Array {
  const norm = Math.hypot(...components);
  return Float32Array.from(components.map((c) => c / norm));
}
