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

/** Every vector in one contiguous array, row by row in the entries' order: scanned about twice as fast as one array per chunk. */
interface Matrix {
  data: Float32Array;
  dimension: number;
  rows: Entry[];
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
  /** Built at the first search after a change; undefined while stale. */
  private matrix?: Matrix;
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
    this.matrix = undefined;
    await this.persist();
  }

  async search(vector: Float32Array, k: number, filter?: VectorSearchFilter): Promise<VectorHit[]> {
    const only = compileChunkFilter(filter);
    if (only.matchesNothing) return [];
    // The filter is applied to every chunk before ranking: a filter that passes few chunks still gets the best k of them.
    // The best k so far, best first, kept by insertion: no object per chunk and no sort of them all, since this runs
    // for every query on the pipeline's event loop. Among equal scores the chunk met first stays ahead.
    const best: Array<{ entry: Entry; score: number }> = [];
    if (k <= 0) return [];
    const { data, dimension, rows } = this.rows();
    const contiguous = vector.length === dimension;
    for (let r = 0; r < rows.length; r++) {
      const entry = rows[r];
      if (!only.matches(entry.chunk)) continue;
      // Same sum in the same order as dot(), so the same scores.
      let score = 0;
      if (contiguous) for (let i = 0, at = r * dimension; i < dimension; i++, at++) score += vector[i] * data[at];
      else score = dot(vector, entry.vector);
      if (best.length === k && score <= best[k - 1].score) continue;
      let i = Math.min(best.length, k - 1);
      while (i > 0 && best[i - 1].score < score) i--;
      if (best.length === k) best.pop();
      best.splice(i, 0, { entry, score });
    }
    return best.map(({ entry, score }) => ({ chunk: entry.chunk, vector: entry.vector, score }));
  }

  async deleteDocument(documentId: string): Promise<number> {
    let removed = 0;
    for (const [id, entry] of this.entries) {
      if (entry.chunk.documentId === documentId) {
        this.entries.delete(id);
        removed++;
      }
    }
    if (removed > 0) this.matrix = undefined;
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

  /** The entries as a matrix; chunks whose vectors differ in length from the first are scored with dot() instead. */
  private rows(): Matrix {
    if (this.matrix) return this.matrix;
    const rows = [...this.entries.values()];
    const dimension = rows[0]?.vector.length ?? 0;
    const data = new Float32Array(rows.length * dimension);
    rows.forEach((entry, r) => {
      if (entry.vector.length === dimension) data.set(entry.vector, r * dimension);
    });
    const uniform = rows.every((entry) => entry.vector.length === dimension);
    this.matrix = { data, dimension: uniform ? dimension : -1, rows };
    return this.matrix;
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
