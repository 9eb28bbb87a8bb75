import { Injectable, OnModuleInit } from '@nestjs/common';
import { HierarchicalNSW } from 'hnswlib-node';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compileChunkFilter, withCollection } from '../chunk-filter';
import { dot } from '../dot-product';
import type { StoredChunk, VectorHit, VectorSearchFilter, VectorStore } from '../vector-store.port';

export interface HnswOptions {
  /** Graph degree (HNSW_M): more links, better recall, more memory and slower inserts. */
  m: number;
  /** Candidate list size while inserting (HNSW_EF_CONSTRUCTION). */
  efConstruction: number;
  /** Candidate list size while searching (HNSW_EF_SEARCH); raised to k when k is larger. */
  efSearch: number;
  /** Slots allocated at first insert; the index doubles when full. */
  initialCapacity: number;
  /** Rebuild the graph when more than this share of its slots are deleted and not yet reused. */
  maxDeletedShare: number;
  /**
   * A filter whose allow-list (its documents', else its collections' chunks) holds at most this many chunks is
   * answered by an exact scan of them; a larger one by hnswlib's filtered graph search.
   */
  exactFilterLimit: number;
}

export const DEFAULT_HNSW_OPTIONS: HnswOptions = {
  m: 16,
  efConstruction: 200,
  efSearch: 64,
  initialCapacity: 1024,
  maxDeletedShare: 0.5,
  exactFilterLimit: 2000,
};

const MANIFEST = 'manifest.json';

/** What manifest.json holds: the committed generation of the index file and every chunk by its label. */
interface Manifest {
  version: 1;
  dimension: number;
  indexFile: string;
  /** The normalised vectors by label, raw float32 (slots × dimension). */
  vectorFile: string;
  /** Labels 0..slots-1 exist in the graph; those in `free` are marked deleted, waiting for reuse. */
  slots: number;
  free: number[];
  chunks: Array<[label: number, chunk: StoredChunk]>;
}

/**
 * The embedded approximate index: an HNSW graph (hnswlib) over normalised vectors in hnswlib's cosine space, for
 * corpora where the exact scan of ExactVectorStore gets slow. Beside the graph this class keeps the chunk metadata by
 * label and a copy of the vectors in one Float32Array: hits must carry their vectors (the retriever's MMR uses them)
 * and reading them back out of hnswlib costs ~70 µs each, as much as the search itself. Persisted under `dir` as
 * `index-<generation>.bin`, `vectors-<generation>.f32` and `manifest.json`, which names the generation: a new
 * generation is written beside the old one and the manifest is replaced by rename, so a crash mid-write leaves the
 * previous one intact.
 */
@Injectable()
export class HnswVectorStore implements VectorStore, OnModuleInit {
  readonly kind = 'hnsw';
  private readonly options: HnswOptions;
  private index?: HierarchicalNSW;
  private dimension = 0;
  /** Row `label` holds that label's normalised vector. */
  private vectors = new Float32Array(0);
  /** Reused to hand hnswlib a query: its binding takes a plain array. */
  private queryBuffer: number[] = [];
  private slots = 0;
  private free: number[] = [];
  private readonly byLabel = new Map<number, StoredChunk>();
  private readonly labelOf = new Map<string, number>();
  private readonly labelsOfDocument = new Map<string, Set<number>>();
  private readonly labelsOfCollection = new Map<string, Set<number>>();
  private generation = 0;
  private loaded = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    options: Partial<HnswOptions> = {},
  ) {
    this.options = { ...DEFAULT_HNSW_OPTIONS, ...options };
    for (const [name, value] of Object.entries(this.options)) {
      if (!Number.isFinite(value) || value <= 0) throw new Error(`HnswVectorStore: option ${name} must be a positive number, got ${value}`);
    }
    if (this.options.m < 2) throw new Error(`HnswVectorStore: option m must be at least 2, got ${this.options.m}`);
  }

  async onModuleInit(): Promise<void> {
    const manifestPath = join(this.dir, MANIFEST);
    if (existsSync(manifestPath)) {
      const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
      if (manifest.version !== 1) throw new Error(`HnswVectorStore: ${manifestPath} has unknown version ${manifest.version}`);
      const index = new HierarchicalNSW('cosine', manifest.dimension);
      // M and efConstruction are stored in the file and kept; a changed HNSW_M applies after a rebuild.
      index.readIndexSync(join(this.dir, manifest.indexFile));
      index.setEf(this.options.efSearch);
      this.index = index;
      this.dimension = manifest.dimension;
      this.queryBuffer = new Array<number>(manifest.dimension).fill(0);
      const saved = readFileSync(join(this.dir, manifest.vectorFile));
      this.vectors = new Float32Array(saved.buffer.slice(saved.byteOffset, saved.byteOffset + saved.byteLength));
      if (this.vectors.length !== manifest.slots * manifest.dimension) throw new Error(`HnswVectorStore: ${manifest.vectorFile} holds ${this.vectors.length} floats, expected ${manifest.slots * manifest.dimension}`);
      this.slots = manifest.slots;
      this.free = manifest.free;
      this.generation = Number(/index-(\d+)\.bin$/.exec(manifest.indexFile)?.[1] ?? 0);
      // Manifests written before collections existed hold chunks without collectionId: they are `default`'s.
      for (const [label, chunk] of manifest.chunks) this.remember(label, withCollection(chunk));
    }
    this.removeStaleFiles();
    this.loaded = true;
  }

  isReady(): boolean {
    return this.loaded;
  }

  async upsert(chunks: Array<{ chunk: StoredChunk; vector: Float32Array }>): Promise<void> {
    if (chunks.length === 0) return;
    const dimension = this.dimension || chunks[0].vector?.length;
    for (const { chunk, vector } of chunks) this.checkVector(vector, `vector of chunk ${chunk.chunkId}`, dimension);
    const index = this.indexFor(chunks[0].vector.length);
    const fresh = new Set<string>();
    for (const { chunk } of chunks) if (!this.labelOf.has(chunk.chunkId) && !fresh.has(chunk.chunkId)) fresh.add(chunk.chunkId);
    const needed = this.slots + Math.max(0, fresh.size - this.free.length);
    if (needed > index.getMaxElements()) index.resizeIndex(Math.max(needed, index.getMaxElements() * 2));
    this.reserve(index.getMaxElements());

    for (const { chunk, vector } of chunks) {
      const existing = this.labelOf.get(chunk.chunkId);
      // A replaced chunk keeps its label (hnswlib updates the point and repairs its links); a new one takes a
      // deleted slot first, so deletes followed by inserts do not grow the graph.
      const label = existing ?? this.free.pop() ?? this.slots++;
      if (existing !== undefined) this.forget(existing);
      const norm = Math.sqrt(dot(vector, vector)) || 1;
      const stored = this.vectors.subarray(label * this.dimension, (label + 1) * this.dimension);
      for (let i = 0; i < stored.length; i++) stored[i] = vector[i] / norm;
      index.addPoint(this.toQuery(stored), label);
      this.remember(label, chunk);
    }
    await this.persist();
  }

  async search(vector: Float32Array, k: number, filter?: VectorSearchFilter): Promise<VectorHit[]> {
    if (!Number.isInteger(k) || k < 0) throw new Error(`HnswVectorStore.search: k must be a whole number ≥ 0, got ${k}`);
    if (k === 0) return []; // as every adapter answers
    const index = this.index;
    if (!index || this.byLabel.size === 0) return [];
    this.checkVector(vector, 'query vector');
    const query = this.toQuery(vector);

    const only = compileChunkFilter(filter);
    if (only.matchesNothing) return [];
    // The allow-list the filter names (its documents' chunks, else its collections'), counted without building it.
    const allowList = filter?.documentIds ? { of: this.labelsOfDocument, keys: new Set(filter.documentIds) } : filter?.collectionIds ? { of: this.labelsOfCollection, keys: new Set(filter.collectionIds) } : undefined;
    let bound = this.byLabel.size;
    if (allowList) {
      bound = 0;
      for (const key of allowList.keys) bound += allowList.of.get(key)?.size ?? 0;
    }
    if (bound === 0) return [];

    const excludesNone = !filter?.excludedDocumentIds?.some((documentId) => this.labelsOfDocument.has(documentId));
    if (!filter?.documentIds && bound === this.byLabel.size && excludesNone) {
      // Nothing is filtered out (e.g. a scope of every collection, nothing being deleted): the plain search. Marked-
      // deleted points never come back from hnswlib, so k is bounded by the live count.
      const { neighbors } = index.searchKnn(query, Math.min(k, this.byLabel.size));
      return neighbors.map((label) => this.hit(vector, label));
    }
    if (allowList && bound <= this.options.exactFilterLimit) {
      // A small allow-list is scanned exactly: cheaper than walking the graph for it, and always complete.
      const labels: number[] = [];
      for (const key of allowList.keys) for (const label of allowList.of.get(key) ?? []) if (only.matches(this.byLabel.get(label)!)) labels.push(label);
      return this.scan(vector, labels, k);
    }
    // A large allow-list is searched with hnswlib's filter callback: its search keeps walking the graph until it holds
    // max(ef, k) passing points, so it comes back with k whenever k pass (over-fetching a fixed amount, then filtering,
    // would come back short whenever the filter rejects most of the query's neighbourhood).
    const passes = (label: number) => {
      const chunk = this.byLabel.get(label);
      return chunk !== undefined && only.matches(chunk);
    };
    const { neighbors } = index.searchKnn(query, Math.min(k, bound), passes);
    return neighbors.map((label) => this.hit(vector, label));
  }

  async deleteDocument(documentId: string): Promise<number> {
    const labels = [...(this.labelsOfDocument.get(documentId) ?? [])];
    if (labels.length === 0 || !this.index) return 0;
    for (const label of labels) {
      this.index.markDelete(label);
      this.forget(label);
      this.free.push(label);
    }
    if (this.free.length > this.options.maxDeletedShare * this.slots) this.rebuild();
    await this.persist();
    return labels.length;
  }

  async count(): Promise<number> {
    return this.byLabel.size;
  }

  async *chunks(filter?: VectorSearchFilter): AsyncIterable<StoredChunk> {
    const only = compileChunkFilter(filter);
    for (const chunk of [...this.byLabel.values()]) if (only.matches(chunk)) yield chunk;
  }

  /** The options in force (e.g. for a readiness probe or a benchmark's report). */
  settings(): Readonly<HnswOptions> {
    return this.options;
  }

  private indexFor(dimension: number): HierarchicalNSW {
    if (this.index) return this.index;
    const index = new HierarchicalNSW('cosine', dimension);
    index.initIndex({ maxElements: this.options.initialCapacity, m: this.options.m, efConstruction: this.options.efConstruction });
    index.setEf(this.options.efSearch);
    this.index = index;
    this.dimension = dimension;
    this.queryBuffer = new Array<number>(dimension).fill(0);
    return index;
  }

  private checkVector(vector: Float32Array, what: string, dimension = this.dimension): void {
    if (!(vector instanceof Float32Array) || vector.length === 0) throw new Error(`HnswVectorStore: ${what} must be a non-empty Float32Array`);
    if (dimension > 0 && vector.length !== dimension) {
      throw new Error(`HnswVectorStore: ${what} has ${vector.length} dimensions, the index has ${dimension}`);
    }
    for (let i = 0; i < vector.length; i++) if (!Number.isFinite(vector[i])) throw new Error(`HnswVectorStore: ${what} has a non-finite component at ${i}`);
  }

  /** The k best of these labels by exact score: each scored in place (no copy), the best k kept in order as it goes. */
  private scan(query: Float32Array, labels: number[], k: number): VectorHit[] {
    const dim = this.dimension;
    const vectors = this.vectors;
    const top: Array<{ label: number; score: number }> = [];
    for (const label of labels) {
      let score = 0;
      for (let d = 0, o = label * dim; d < dim; d++) score += vectors[o + d] * query[d];
      if (top.length === k && score <= top[k - 1].score) continue;
      let at = top.length < k ? top.push({ label, score }) - 1 : k - 1;
      while (at > 0 && top[at - 1].score < score) {
        top[at] = top[at - 1];
        at--;
      }
      top[at] = { label, score };
    }
    return top.map((t) => this.hit(query, t.label));
  }

  /** The score is recomputed from the stored (normalised) vector, exactly, rather than taken from hnswlib's distance. */
  private hit(query: Float32Array, label: number): VectorHit {
    const vector = this.vectors.slice(label * this.dimension, (label + 1) * this.dimension);
    const chunk = this.byLabel.get(label)!;
    return { chunk, vector, score: dot(query, vector) / (Math.sqrt(dot(query, query)) || 1) };
  }

  private toQuery(vector: Float32Array): number[] {
    for (let i = 0; i < vector.length; i++) this.queryBuffer[i] = vector[i];
    return this.queryBuffer;
  }

  /** Grows the vector copy to `slots` rows (doubling, as the graph does). */
  private reserve(slots: number): void {
    if (this.vectors.length >= slots * this.dimension) return;
    const grown = new Float32Array(slots * this.dimension);
    grown.set(this.vectors);
    this.vectors = grown;
  }

  private remember(label: number, chunk: StoredChunk): void {
    this.byLabel.set(label, chunk);
    this.labelOf.set(chunk.chunkId, label);
    addTo(this.labelsOfDocument, chunk.documentId, label);
    addTo(this.labelsOfCollection, chunk.collectionId, label);
  }

  private forget(label: number): void {
    const chunk = this.byLabel.get(label);
    if (!chunk) return;
    this.byLabel.delete(label);
    this.labelOf.delete(chunk.chunkId);
    removeFrom(this.labelsOfDocument, chunk.documentId, label);
    removeFrom(this.labelsOfCollection, chunk.collectionId, label);
  }

  /** Builds a fresh graph of the live points with dense labels, dropping the deleted slots. */
  private rebuild(): void {
    const live = [...this.byLabel.entries()];
    const oldVectors = this.vectors;
    const dim = this.dimension;
    this.vectors = new Float32Array(Math.max(this.options.initialCapacity, live.length) * dim);
    const index = new HierarchicalNSW('cosine', this.dimension);
    index.initIndex({ maxElements: Math.max(this.options.initialCapacity, live.length), m: this.options.m, efConstruction: this.options.efConstruction });
    index.setEf(this.options.efSearch);
    this.byLabel.clear();
    this.labelOf.clear();
    this.labelsOfDocument.clear();
    this.labelsOfCollection.clear();
    live.forEach(([label, chunk], newLabel) => {
      const stored = this.vectors.subarray(newLabel * dim, (newLabel + 1) * dim);
      stored.set(oldVectors.subarray(label * dim, (label + 1) * dim));
      index.addPoint(this.toQuery(stored), newLabel);
      this.remember(newLabel, chunk);
    });
    this.index = index;
    this.slots = live.length;
    this.free = [];
  }

  /**
   * Writes the next generation: the graph is saved synchronously so it and the manifest snapshot describe the same
   * moment (hnswlib's async save would read the graph while later upserts change it), then the manifest is written to
   * a temporary file and renamed over the old one, the commit point. Files of older generations are removed after.
   */
  private persist(): Promise<void> {
    const index = this.index;
    if (!index) return this.writing;
    mkdirSync(this.dir, { recursive: true });
    const indexFile = `index-${++this.generation}.bin`;
    const vectorFile = `vectors-${this.generation}.f32`;
    index.writeIndexSync(join(this.dir, indexFile));
    const vectors = this.vectors.subarray(0, this.slots * this.dimension);
    writeFileSync(join(this.dir, vectorFile), new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength));
    const manifest: Manifest = {
      version: 1,
      dimension: this.dimension,
      indexFile,
      vectorFile,
      slots: this.slots,
      free: [...this.free],
      chunks: [...this.byLabel.entries()],
    };
    const text = JSON.stringify(manifest);
    this.writing = this.writing.then(async () => {
      const path = join(this.dir, MANIFEST);
      await writeFile(`${path}.tmp`, text);
      await rename(`${path}.tmp`, path);
      this.removeStaleFiles(indexFile, true);
    });
    return this.writing;
  }

  /**
   * Removes the files of generations other than `keep`: at start every other one (left by a crash mid-write), after a
   * write only older ones, since a newer file may belong to a write whose manifest is still on its way.
   */
  private removeStaleFiles(keep = `index-${this.generation}.bin`, onlyOlder = false): void {
    if (!existsSync(this.dir)) return;
    const generationOf = (name: string) => Number(/^(?:index-(\d+)\.bin|vectors-(\d+)\.f32)$/.exec(name)?.slice(1).find(Boolean) ?? NaN);
    const kept = generationOf(keep);
    for (const name of readdirSync(this.dir)) {
      const generation = generationOf(name);
      const stale = name === `${MANIFEST}.tmp` ? !onlyOlder : Number.isFinite(generation) && generation !== kept && (!onlyOlder || generation < kept);
      if (stale) rmSync(join(this.dir, name), { force: true });
    }
  }
}

function addTo(labelsOf: Map<string, Set<number>>, key: string, label: number): void {
  let labels = labelsOf.get(key);
  if (!labels) labelsOf.set(key, (labels = new Set()));
  labels.add(label);
}

function removeFrom(labelsOf: Map<string, Set<number>>, key: string, label: number): void {
  const labels = labelsOf.get(key);
  labels?.delete(label);
  if (labels?.size === 0) labelsOf.delete(key);
}
