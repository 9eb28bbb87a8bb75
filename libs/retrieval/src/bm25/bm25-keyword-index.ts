import { type ChunkFilter, compileChunkFilter, type StoredChunk, type VectorStore, withCollection } from '@relay/vector-store';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { KeywordHit, KeywordIndex } from '../keyword-index.port';
import { ChunkTotals } from './chunk-totals';
import { analyze } from './text-analyzer';

export interface Bm25Parameters {
  /** Term-frequency saturation: how much a second, third… occurrence of a term still adds. */
  k1: number;
  /** Length normalisation: 0 = none, 1 = a term in a long chunk counts proportionally less. */
  b: number;
}

interface Entry {
  chunk: StoredChunk;
  length: number;
  termFrequencies: Map<string, number>;
}

/**
 * The embedded keyword index: Okapi BM25 (Lucene's formula) over each chunk's title and text, in memory, persisted
 * as the chunks themselves to one file (re-analysed at load, so an analyzer change needs no migration). When the
 * file is missing but the vector store has chunks (an index built before keyword search existed, or a lost file),
 * it rebuilds from the vector store once the app has started. A filtered search scores only the chunks that pass,
 * with the term statistics of those chunks alone: its results are what an index holding only them would give.
 */
@Injectable()
export class Bm25KeywordIndex implements KeywordIndex, OnModuleInit, OnApplicationBootstrap {
  readonly kind = 'bm25';
  private readonly logger = new Logger(Bm25KeywordIndex.name);
  private readonly entries = new Map<string, Entry>();
  private readonly postings = new Map<string, Map<string, number>>();
  private readonly totals = new ChunkTotals();
  private loaded = false;
  private rebuilding = false;
  private fileFound = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly parameters: Bm25Parameters = { k1: 1.2, b: 0.75 },
    /** Where to rebuild from when the file is missing; optional so the index also works on its own. */
    private readonly source?: Pick<VectorStore, 'chunks'>,
  ) {
    const { k1, b } = parameters;
    if (!(k1 >= 0)) throw new Error(`BM25 k1 must be a number ≥ 0, got ${k1}`);
    if (!(b >= 0 && b <= 1)) throw new Error(`BM25 b must be a number between 0 and 1, got ${b}`);
  }

  async onModuleInit(): Promise<void> {
    this.fileFound = existsSync(this.path);
    if (this.fileFound) {
      const saved = JSON.parse(await readFile(this.path, 'utf8')) as { version?: number; chunks?: Array<Omit<StoredChunk, 'collectionId'> & { collectionId?: string }> };
      if (saved.version !== 1 || !Array.isArray(saved.chunks)) throw new Error(`keyword index ${this.path} is not a version 1 index`);
      // Files written before collections existed hold chunks without collectionId: they are `default`'s.
      for (const chunk of saved.chunks) this.add(withCollection(chunk));
    }
    this.loaded = true;
  }

  /** After every module's init, so the vector store has loaded its own file before it is scanned. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.fileFound && this.source) await this.rebuildFrom(this.source);
  }

  /** Adds every chunk of the source not already indexed (chunks upserted meanwhile are newer: they win). */
  async rebuildFrom(source: Pick<VectorStore, 'chunks'>): Promise<number> {
    this.rebuilding = true;
    try {
      let added = 0;
      for await (const chunk of source.chunks()) {
        if (this.entries.has(chunk.chunkId)) continue;
        this.add(chunk);
        added++;
      }
      if (added > 0) {
        await this.persist();
        this.logger.log({ msg: 'keyword index rebuilt from the vector store', chunks: added });
      }
      return added;
    } finally {
      this.rebuilding = false;
    }
  }

  isReady(): boolean {
    return this.loaded && !this.rebuilding;
  }

  async upsert(chunks: StoredChunk[]): Promise<void> {
    for (const chunk of chunks) this.add(chunk);
    await this.persist();
  }

  async search(query: string, k: number, filter?: ChunkFilter): Promise<KeywordHit[]> {
    const only = compileChunkFilter(filter);
    if (k <= 0 || this.entries.size === 0 || only.matchesNothing) return [];
    const queryTerms = new Map<string, number>();
    for (const term of analyze(query)) queryTerms.set(term, (queryTerms.get(term) ?? 0) + 1);
    const { k1, b } = this.parameters;
    // The corpus is what the filter lets through: its size, average length and each term's document frequency are
    // counted over those chunks only, so a ranking never depends on chunks the asker may not read (not even through
    // how common a word is elsewhere), and the top k is taken among the chunks that pass.
    const corpus = this.totals.of(only.matchesAll ? undefined : filter);
    if (corpus.chunks <= 0) return [];
    const n = corpus.chunks;
    const averageLength = corpus.length / n || 1;
    const scores = new Map<string, number>();
    for (const [term, queryCount] of queryTerms) {
      const posting = this.postings.get(term);
      if (!posting) continue;
      const passing: Array<[entry: Entry, tf: number]> = [];
      for (const [chunkId, tf] of posting) {
        const entry = this.entries.get(chunkId)!;
        if (only.matchesAll || only.matches(entry.chunk)) passing.push([entry, tf]);
      }
      if (passing.length === 0) continue;
      // Lucene's idf: never negative, so a term in most chunks still counts a little.
      const idf = Math.log(1 + (n - passing.length + 0.5) / (passing.length + 0.5));
      for (const [entry, tf] of passing) {
        const norm = k1 * (1 - b + (b * entry.length) / averageLength);
        const chunkId = entry.chunk.chunkId;
        scores.set(chunkId, (scores.get(chunkId) ?? 0) + queryCount * idf * ((tf * (k1 + 1)) / (tf + norm)));
      }
    }
    return [...scores]
      .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
      .slice(0, k)
      .map(([chunkId, score]) => ({ chunk: this.entries.get(chunkId)!.chunk, score }));
  }

  async deleteDocument(documentId: string): Promise<number> {
    let removed = 0;
    for (const [chunkId, entry] of [...this.entries]) {
      if (entry.chunk.documentId !== documentId) continue;
      this.remove(chunkId);
      removed++;
    }
    if (removed > 0) await this.persist();
    return removed;
  }

  async count(): Promise<number> {
    return this.entries.size;
  }

  private add(chunk: StoredChunk): void {
    this.remove(chunk.chunkId);
    const terms = analyze(`${chunk.title}\n${chunk.text}`);
    const termFrequencies = new Map<string, number>();
    for (const term of terms) termFrequencies.set(term, (termFrequencies.get(term) ?? 0) + 1);
    for (const [term, tf] of termFrequencies) {
      let posting = this.postings.get(term);
      if (!posting) this.postings.set(term, (posting = new Map()));
      posting.set(chunk.chunkId, tf);
    }
    this.entries.set(chunk.chunkId, { chunk, length: terms.length, termFrequencies });
    this.totals.add(chunk, terms.length);
  }

  private remove(chunkId: string): void {
    const entry = this.entries.get(chunkId);
    if (!entry) return;
    for (const term of entry.termFrequencies.keys()) {
      const posting = this.postings.get(term)!;
      posting.delete(chunkId);
      if (posting.size === 0) this.postings.delete(term);
    }
    this.entries.delete(chunkId);
    this.totals.remove(entry.chunk, entry.length);
  }

  /** Writes a snapshot to a temporary file and renames it, so a crash never leaves a torn index. */
  private persist(): Promise<void> {
    const snapshot = JSON.stringify({ version: 1, chunks: [...this.entries.values()].map((e) => e.chunk) });
    // A failed write is reported to its caller but does not block the writes after it.
    const write = this.writing.catch(() => undefined).then(async () => {
      mkdirSync(dirname(this.path), { recursive: true });
      await writeFile(`${this.path}.tmp`, snapshot);
      await rename(`${this.path}.tmp`, this.path);
    });
    this.writing = write;
    return write;
  }
}
