import { Logger, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { QdrantClient as Client, Schemas } from '@qdrant/js-client-rest' with { 'resolution-mode': 'import' };
import { z } from 'zod';
import { DEFAULT_COLLECTION_ID } from '@relay/contracts';
import { compileChunkFilter } from '../chunk-filter';
import type { ChunkFilter, StoredChunk, VectorHit, VectorSearchFilter, VectorStore } from '../vector-store.port';
import { chunkPointId } from './chunk-point-id';
import { QdrantRequestError } from './qdrant-request-error';

export interface QdrantVectorStoreOptions {
  /** REST endpoint, e.g. http://localhost:6333. */
  url: string;
  /** Sent as the `api-key` header; empty or absent = none. */
  apiKey?: string;
  collection: string;
  /** The embedder's dimension. A function when it is known only once the embedder has loaded (0 = not yet). */
  dimension: number | (() => number);
  /** Points per upsert request. */
  upsertBatch: number;
  /** How often the health probe runs; 0 = only on demand (probe()). */
  healthIntervalMs?: number;
  /** Longest wait for one request to Qdrant. */
  requestTimeoutMs?: number;
}

/** Raised when an existing collection does not fit the embedder; no retry fixes it, so start-up stops on it. */
export class QdrantCollectionMismatchError extends Error {
  override readonly name = 'QdrantCollectionMismatchError';
}

// The package is an ES module whose CommonJS build TypeScript cannot see through its types; require loads that build.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { QdrantClient } = require('@qdrant/js-client-rest') as { QdrantClient: typeof Client };

const SCROLL_PAGE = 256;

// Validated on the way in: a point someone else put in the collection must not pass for a chunk.
const chunkPayload = z.object({
  chunkId: z.string(),
  documentId: z.string(),
  // Points written before collections existed have none (and are given `default` at start-up; see ensureCollection).
  collectionId: z.string().min(1).default(DEFAULT_COLLECTION_ID),
  title: z.string(),
  source: z.string(),
  position: z.number().int(),
  page: z.number().int().optional(),
  text: z.string(),
});

/**
 * VECTOR_STORE on a Qdrant server: one collection (cosine distance, the embedder's dimension) with keyword payload
 * indexes on documentId (deletes and lookups by document) and collectionId (Relay's collections, marked as Qdrant's
 * tenant key), so a filter is applied inside Qdrant's search: with few matching points Qdrant scans them exactly,
 * with many it walks its graph among them, and either way a search returns the k best that pass. The collection is
 * created when missing; readiness follows a health probe, so a Qdrant that goes away takes the vector store out of
 * /health/ready instead of failing start-up.
 */
export class QdrantVectorStore implements VectorStore, OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  readonly kind = 'qdrant';
  private readonly logger = new Logger(QdrantVectorStore.name);
  private readonly client: Client;
  private ensuring?: Promise<void>;
  private ensured = false;
  private reachable = false;
  private lastError?: string;
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: QdrantVectorStoreOptions) {
    if (!Number.isInteger(options.upsertBatch) || options.upsertBatch < 1) throw new Error(`QdrantVectorStore: upsertBatch must be a positive integer (got ${options.upsertBatch})`);
    if (!options.collection) throw new Error('QdrantVectorStore: collection must not be empty');
    // The version check is a request in the constructor whose failure only warns on the console; readiness covers it.
    this.client = new QdrantClient({ url: options.url, apiKey: options.apiKey || undefined, timeout: options.requestTimeoutMs ?? 30_000, checkCompatibility: false });
  }

  onModuleInit(): void {
    const every = this.options.healthIntervalMs ?? 5_000;
    if (every > 0) this.timer = setInterval(() => void this.probe(), every).unref();
  }

  /**
   * After every module's init, so an embedder that loads in its onModuleInit has its dimension. An unreachable Qdrant
   * only leaves the store not ready (the probe retries); a collection of another dimension stops start-up.
   */
  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.ensureCollection();
    } catch (err) {
      if (err instanceof QdrantCollectionMismatchError) throw err;
      this.logger.warn({ msg: 'qdrant not ready yet; retrying in the background', url: this.options.url, collection: this.options.collection, error: (err as Error).message });
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  isReady(): boolean {
    return this.ensured && this.reachable;
  }

  /** What /health/ready shows beside ready (never the API key). */
  details(): Record<string, unknown> {
    return { kind: this.kind, url: this.options.url, collection: this.options.collection, ...(this.lastError ? { error: this.lastError } : {}) };
  }

  /** Checks the server and the collection now (the timer calls it too); re-creates the collection if it went away. */
  async probe(): Promise<boolean> {
    try {
      if (this.ensured) {
        const { exists } = await this.call('check collection', () => this.client.collectionExists(this.options.collection));
        if (!exists) {
          this.ensured = false;
          this.logger.warn({ msg: 'qdrant collection disappeared; creating it again', collection: this.options.collection });
        }
      }
      await this.ensureCollection();
      this.lastError = undefined;
      return true;
    } catch {
      return false;
    }
  }

  async upsert(chunks: Array<{ chunk: StoredChunk; vector: Float32Array }>): Promise<void> {
    if (chunks.length === 0) return;
    await this.ensureCollection();
    const dimension = this.dimension();
    const bad = chunks.find(({ vector }) => vector.length !== dimension);
    if (bad) throw new Error(`QdrantVectorStore.upsert: chunk ${bad.chunk.chunkId} has a vector of ${bad.vector.length} dimensions; collection ${this.options.collection} holds ${dimension}`);
    for (let i = 0; i < chunks.length; i += this.options.upsertBatch) {
      const points = chunks.slice(i, i + this.options.upsertBatch).map(({ chunk, vector }) => ({
        id: chunkPointId(chunk.chunkId),
        vector: Array.from(vector),
        payload: toPayload(chunk),
      }));
      // wait: the points are searchable when the call returns, as with the embedded stores.
      await this.call('upsert', () => this.client.upsert(this.options.collection, { wait: true, points }));
    }
  }

  async search(vector: Float32Array, k: number, filter?: VectorSearchFilter): Promise<VectorHit[]> {
    if (!Number.isInteger(k) || k < 0) throw new Error(`QdrantVectorStore.search: k must be a non-negative integer (got ${k})`);
    // match.any with no values is not a filter Qdrant documents; an empty allow-list matches nothing anyway.
    if (k === 0 || compileChunkFilter(filter).matchesNothing) return [];
    await this.ensureCollection();
    const { points } = await this.call('search', () =>
      this.client.query(this.options.collection, {
        query: Array.from(vector),
        limit: k,
        filter: qdrantFilter(filter),
        with_payload: true,
        with_vector: true, // the retriever's MMR compares candidates with each other
      }),
    );
    return points.map((p) => {
      if (!Array.isArray(p.vector)) throw new Error(`QdrantVectorStore.search: point ${p.id} came back without its unnamed vector`);
      return { chunk: fromPayload(p.id, p.payload), vector: Float32Array.from(p.vector as number[]), score: p.score };
    });
  }

  async deleteDocument(documentId: string): Promise<number> {
    await this.ensureCollection();
    const filter = documentFilter(documentId);
    // Qdrant's delete does not say how many points it removed: count them first (exact, filtered by the index).
    const { count } = await this.call('count document', () => this.client.count(this.options.collection, { filter, exact: true }));
    if (count === 0) return 0;
    await this.call('delete document', () => this.client.delete(this.options.collection, { wait: true, filter }));
    return count;
  }

  async count(): Promise<number> {
    await this.ensureCollection();
    return (await this.call('count', () => this.client.count(this.options.collection, { exact: true }))).count;
  }

  async *chunks(filter?: VectorSearchFilter): AsyncIterable<StoredChunk> {
    if (compileChunkFilter(filter).matchesNothing) return;
    await this.ensureCollection();
    let offset: string | number | undefined;
    do {
      const page = await this.call('scroll', () =>
        this.client.scroll(this.options.collection, {
          limit: SCROLL_PAGE,
          offset,
          with_payload: true,
          with_vector: false,
          filter: qdrantFilter(filter),
        }),
      );
      for (const p of page.points) yield fromPayload(p.id, p.payload);
      const next = page.next_page_offset;
      offset = typeof next === 'string' || typeof next === 'number' ? next : undefined;
    } while (offset !== undefined);
  }

  private dimension(): number {
    return typeof this.options.dimension === 'function' ? this.options.dimension() : this.options.dimension;
  }

  /** Once per process (and again after a failure): the collection exists, fits the embedder, and has its index. */
  private ensureCollection(): Promise<void> {
    if (this.ensured) return Promise.resolve();
    this.ensuring ??= this.createOrCheckCollection().then(
      () => {
        this.ensured = true;
        this.ensuring = undefined;
      },
      (err: Error) => {
        this.ensuring = undefined;
        this.lastError = err.message;
        if (err instanceof QdrantCollectionMismatchError) this.logger.error({ msg: 'qdrant collection does not fit', error: err.message });
        throw err;
      },
    );
    return this.ensuring;
  }

  private async createOrCheckCollection(): Promise<void> {
    const { collection } = this.options;
    const dimension = this.dimension();
    if (!(dimension > 0)) throw new Error(`Qdrant collection ${collection} waits for the embedder's dimension (the embedder is not ready yet)`);
    const { exists } = await this.call('check collection', () => this.client.collectionExists(collection));
    if (!exists) {
      try {
        await this.call('create collection', () => this.client.createCollection(collection, { vectors: { size: dimension, distance: 'Cosine' } }));
        this.logger.log({ msg: 'qdrant collection created', collection, dimension });
      } catch (err) {
        // Another replica may have created it in between; anything else is a real failure.
        if ((err as QdrantRequestError).status !== 409) throw err;
      }
    }
    const info = await this.call('read collection', () => this.client.getCollection(collection));
    const vectors = info.config.params.vectors as { size?: unknown; distance?: unknown } | undefined;
    if (typeof vectors?.size !== 'number') {
      throw new QdrantCollectionMismatchError(`Qdrant collection ${collection} uses named vectors; Relay needs a collection with one unnamed vector (set QDRANT_COLLECTION to another name)`);
    }
    if (vectors.size !== dimension) {
      throw new QdrantCollectionMismatchError(
        `Qdrant collection ${collection} holds ${vectors.size}-dimension vectors but the embedder gives ${dimension}: ` +
          `point QDRANT_COLLECTION at another collection, or delete this one to re-index with the new embedder`,
      );
    }
    if (vectors.distance !== 'Cosine') {
      throw new QdrantCollectionMismatchError(`Qdrant collection ${collection} uses ${String(vectors.distance)} distance; Relay's scores are cosine similarities (set QDRANT_COLLECTION to another name)`);
    }
    if (!info.payload_schema?.documentId) {
      await this.call('create documentId index', () => this.client.createPayloadIndex(collection, { field_name: 'documentId', field_schema: 'keyword', wait: true }));
    }
    if (!info.payload_schema?.collectionId) {
      // Every search is filtered by it: Qdrant keeps the points of one tenant together and plans the search by it.
      await this.call('create collectionId index', () =>
        this.client.createPayloadIndex(collection, { field_name: 'collectionId', field_schema: { type: 'keyword', is_tenant: true }, wait: true }),
      );
    }
    // Points written before collections existed carry no collectionId, and a filter by collection would never match
    // them: they are `default`'s, so they are given it, once (later starts find none to change).
    await this.call('give old points a collection', () =>
      this.client.setPayload(collection, { payload: { collectionId: DEFAULT_COLLECTION_ID }, filter: { must: [{ is_empty: { key: 'collectionId' } }] }, wait: true }),
    );
    this.lastError = undefined;
  }

  /** Runs one request; failures become QdrantRequestErrors naming the operation and move readiness. */
  /**
   * One request, tried again (twice, 200 then 400 ms later) when the server could not be reached: a kept-alive socket
   * the server had already closed fails the next request with a socket error, and every request the adapter makes is
   * safe to repeat (point ids are fixed, deletes by filter, reads). Errors the server answered are not retried.
   */
  private async call<T>(operation: string, request: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await request();
        this.reachable = true;
        return result;
      } catch (err) {
        const error = QdrantRequestError.from(operation, err);
        if (!error.unreachable) throw error;
        if (attempt < 3) {
          await new Promise((r) => setTimeout(r, 200 * attempt));
          continue;
        }
        this.reachable = false;
        this.lastError = error.message;
        throw error;
      }
    }
  }
}

function documentFilter(documentId: string): Schemas['Filter'] {
  return { must: [{ key: 'documentId', match: { value: documentId } }] };
}

/** A ChunkFilter as a Qdrant payload filter (callers have already answered a filter that matches nothing). */
function qdrantFilter(filter: ChunkFilter | undefined): Schemas['Filter'] | undefined {
  const must = [];
  if (filter?.documentIds) must.push({ key: 'documentId', match: { any: filter.documentIds } });
  if (filter?.collectionIds) must.push({ key: 'collectionId', match: { any: filter.collectionIds } });
  const excluded = filter?.excludedDocumentIds?.length ? [{ key: 'documentId', match: { any: filter.excludedDocumentIds } }] : [];
  if (must.length === 0 && excluded.length === 0) return undefined;
  return { ...(must.length ? { must } : {}), ...(excluded.length ? { must_not: excluded } : {}) };
}

function toPayload(chunk: StoredChunk): Record<string, unknown> {
  const { chunkId, documentId, collectionId, title, source, position, page, text } = chunk;
  return { chunkId, documentId, collectionId, title, source, position, ...(page !== undefined ? { page } : {}), text };
}

function fromPayload(id: string | number, payload: unknown): StoredChunk {
  const parsed = chunkPayload.safeParse(payload);
  if (!parsed.success) throw new Error(`Qdrant point ${id} is not a Relay chunk: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'} ${i.message}`).join('; ')}`);
  const { page, ...rest } = parsed.data;
  return page === undefined ? rest : { ...rest, page };
}
