import type { KeywordHit, KeywordIndex } from '@relay/retrieval';
import { type ChunkFilter, compileChunkFilter, type StoredChunk } from '@relay/vector-store';

/**
 * A keyword index whose score is the number of query words (lower-cased, split on non-letters) a chunk's title and
 * text contain: predictable enough to write expected rankings by hand. Records every search.
 */
export class InMemoryKeywordIndex implements KeywordIndex {
  readonly kind = 'in-memory';
  readonly searches: Array<{ query: string; k: number; filter?: ChunkFilter }> = [];
  /** When set, upserts fail with it (to test that a failed write leaves nothing behind). */
  failWith: Error | undefined;
  private readonly chunks = new Map<string, StoredChunk>();

  isReady(): boolean {
    return true;
  }

  async upsert(chunks: StoredChunk[]): Promise<void> {
    if (this.failWith) throw this.failWith;
    for (const chunk of chunks) this.chunks.set(chunk.chunkId, chunk);
  }

  async search(query: string, k: number, filter?: ChunkFilter): Promise<KeywordHit[]> {
    this.searches.push({ query, k, filter });
    const words = new Set(wordsOf(query));
    const only = compileChunkFilter(filter);
    return [...this.chunks.values()]
      .filter((chunk) => only.matches(chunk))
      .map((chunk) => ({ chunk, score: wordsOf(`${chunk.title} ${chunk.text}`).filter((w) => words.has(w)).length }))
      .filter((hit) => hit.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  }

  async deleteDocument(documentId: string): Promise<number> {
    let removed = 0;
    for (const [id, chunk] of this.chunks) {
      if (chunk.documentId === documentId) {
        this.chunks.delete(id);
        removed++;
      }
    }
    return removed;
  }

  async count(): Promise<number> {
    return this.chunks.size;
  }

  /** The stored chunks of one document, in position order. */
  chunksOf(documentId: string): StoredChunk[] {
    return [...this.chunks.values()].filter((c) => c.documentId === documentId).sort((a, b) => a.position - b.position);
  }
}

const wordsOf = (text: string) => text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
