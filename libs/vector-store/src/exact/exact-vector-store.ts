import { compileChunkFilter, withCollection } from '../chunk-filter';
import { dot } from '../dot-product';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { StoredChunk, VectorHit, VectorSearchFilter, VectorStore } from '../vector-store.port';

interface Entry {
  chunk: StoredChunk;
  vector: Float32Array;
}

/**
 * The embedded default: exact (brute-force) cosine search over every chunk, persisted to one file under DATA_DIR
 * and reloaded at start. Exact search is the right tool at knowledge-base sizes of thousands of chunks, and the
 * reference an approximate index is measured against.
 */
@Injectable()
export class ExactVectorStore implements VectorStore, OnModuleInit {
  readonly kind = 'exact';
  private readonly entries = new Map<string, Entry>();
  private loaded = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  async onModuleInit(): Promise<void> {
    if (existsSync(this.path)) {
      const saved = JSON.parse(await readFile(this.path, 'utf8')) as { chunks: Array<Omit<StoredChunk, 'collectionId'> & { collectionId?: string; vector: number[] }> };
      // Files written before collections existed have chunks without collectionId: they are `default`'s.
      for (const { vector, ...chunk } of saved.chunks) this.entries.set(chunk.chunkId, { chunk: withCollection(chunk), vector: Float32Array.from(vector) });
    }
    this.loaded = true;
  }

  isReady(): boolean {
    return this.loaded;
  }

  async upsert(chunks: Array<{ chunk: StoredChunk; vector: Float32Array }>): Promise<void> {
    for (const { chunk, vector } of chunks) this.entries.set(chunk.chunkId, { chunk, vector });
    await this.persist();
  }

  async search(vector: Float32Array, k: number, filter?: VectorSearchFilter): Promise<VectorHit[]> {
    const only = compileChunkFilter(filter);
    if (only.matchesNothing) return [];
    const hits: VectorHit[] = [];
    // The filter is applied to every chunk before ranking: a filter that passes few chunks still gets the best k of them.
    for (const entry of this.entries.values()) {
      if (!only.matches(entry.chunk)) continue;
      hits.push({ ...entry, score: dot(vector, entry.vector) });
    }
    return hits.sort((a, b) => b.score - a.score).slice(0, k);
  }

  async deleteDocument(documentId: string): Promise<number> {
    let removed = 0;
    for (const [id, entry] of this.entries) {
      if (entry.chunk.documentId === documentId) {
        this.entries.delete(id);
        removed++;
      }
    }
    if (removed > 0) await this.persist();
    return removed;
  }

  async count(): Promise<number> {
    return this.entries.size;
  }

  async *chunks(filter?: VectorSearchFilter): AsyncIterable<StoredChunk> {
    const only = compileChunkFilter(filter);
    for (const entry of [...this.entries.values()]) if (only.matches(entry.chunk)) yield entry.chunk;
  }

  /** Writes a snapshot to a temporary file and renames it, so a crash never leaves a torn index. */
  private persist(): Promise<void> {
    const snapshot = JSON.stringify({
      version: 1,
      chunks: [...this.entries.values()].map((e) => ({ ...e.chunk, vector: Array.from(e.vector) })),
    });
    this.writing = this.writing.then(async () => {
      mkdirSync(dirname(this.path), { recursive: true });
      await writeFile(`${this.path}.tmp`, snapshot);
      await rename(`${this.path}.tmp`, this.path);
    });
    return this.writing;
  }
}
