import { Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseEnv } from '@relay/config';
import { EMBEDDER } from '@relay/embeddings';
import { ObservabilityModule, ReadinessRegistry } from '@relay/observability';
import { ControllableEmbedder, InMemoryVectorStore, OpenApiValidatingProxy, OpenApiValidator } from '@relay/testing';
import {
  ExactVectorStore,
  HnswVectorStore,
  QdrantCollectionMismatchError,
  QdrantVectorStore,
  type QdrantVectorStoreOptions,
  VECTOR_STORE,
  type VectorStore,
  vectorStoreConfigSchema,
  VectorStoreModule,
} from '@relay/vector-store';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLikeNest, stopLikeNest, unitVectors, vectorStoreContract, type VectorStoreSubject } from './vector-store.contract';

// One contract, every VECTOR_STORE adapter (and the fake the unit tests use, so it cannot drift from them).
const DIMENSION = 8;

function tempPlaces() {
  const root = mkdtempSync(join(tmpdir(), 'relay-vector-contract-'));
  let n = 0;
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  return () => join(root, `store-${n++}`);
}

describe('ExactVectorStore meets the VectorStore contract', () => {
  const newPlace = tempPlaces();
  vectorStoreContract(
    (): VectorStoreSubject => ({
      dimension: DIMENSION,
      newPlace,
      open: (place) => startLikeNest(new ExactVectorStore(join(place, 'index.json'))),
      close: stopLikeNest,
      persists: true,
    }),
  );
});

describe('HnswVectorStore meets the VectorStore contract', () => {
  const newPlace = tempPlaces();
  vectorStoreContract(
    (): VectorStoreSubject => ({
      dimension: DIMENSION,
      newPlace,
      open: (place) => startLikeNest(new HnswVectorStore(place)),
      close: stopLikeNest,
      persists: true,
    }),
  );
});

// The same contract with every filtered search walking hnswlib's graph with the filter callback instead of scanning
// the allow-list: the small collection's top-k and the excluded documents are then the graph search's work.
describe('HnswVectorStore, every filtered search done in the graph, meets the VectorStore contract', () => {
  const newPlace = tempPlaces();
  vectorStoreContract(
    (): VectorStoreSubject => ({
      dimension: DIMENSION,
      newPlace,
      open: (place) => startLikeNest(new HnswVectorStore(place, { exactFilterLimit: 1 })),
      close: stopLikeNest,
      persists: true,
    }),
  );
});

describe('InMemoryVectorStore (the unit tests’ fake) meets the VectorStore contract', () => {
  vectorStoreContract(
    (): VectorStoreSubject => ({
      dimension: DIMENSION,
      newPlace: () => 'memory',
      open: async () => new InMemoryVectorStore(),
      close: async () => undefined,
      persists: false,
    }),
  );
});

// Against a real Qdrant: the one at QDRANT_URL if set, else the project's own (scripts/qdrant.mjs, from the build in
// ../shared/bin) on a port of its own, started here and removed afterwards.
const OWN_QDRANT_PORT = '6343';
const OWN_QDRANT = !process.env.QDRANT_URL;
const QDRANT_URL = process.env.QDRANT_URL ?? `http://127.0.0.1:${OWN_QDRANT_PORT}`;
const qdrantScript = (...args: string[]) =>
  execFileSync(process.execPath, [join(__dirname, '../../scripts/qdrant.mjs'), ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, QDRANT_PORT: OWN_QDRANT_PORT, QDRANT_CACHE_DIR: '.cache/qdrant-test' },
  });

describe('QdrantVectorStore against a real Qdrant server', () => {
  beforeAll(() => {
    if (OWN_QDRANT) qdrantScript('start');
  }, 60_000);

  const prefix = `relay_contract_${process.pid}_${Date.now().toString(36)}`;
  const validator = new OpenApiValidator();
  // Every request of the adapter goes through a proxy that checks it, and Qdrant's answer, against the OpenAPI document.
  const proxy = new OpenApiValidatingProxy(QDRANT_URL!, validator);
  let proxyUrl: string;
  let n = 0;
  const newCollection = () => `${prefix}_${n++}`;
  const open = (options: Partial<QdrantVectorStoreOptions> & { collection: string }) =>
    new QdrantVectorStore({ url: proxyUrl, dimension: DIMENSION, upsertBatch: 64, healthIntervalMs: 0, ...options });
  // Straight to Qdrant, around the proxy: what the tests look at or break is not the adapter's traffic.
  const qdrant = async (method: string, path: string) => {
    const res = await fetch(`${QDRANT_URL}${path}`, { method });
    return { status: res.status, body: (await res.json()) as { result: any } };
  };
  const qdrantJson = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${QDRANT_URL}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    return { status: res.status, body: (await res.json()) as { result: any } };
  };

  beforeAll(async () => {
    proxyUrl = await proxy.start();
  });
  afterAll(async () => {
    await proxy.close();
    const { body } = await qdrant('GET', '/collections');
    for (const { name } of body.result.collections as Array<{ name: string }>) if (name.startsWith(prefix)) await qdrant('DELETE', `/collections/${name}`);
    if (OWN_QDRANT) qdrantScript('stop', '--clean');
  });

  describe('the contract', () => {
    vectorStoreContract(
      (): VectorStoreSubject => ({
        dimension: DIMENSION,
        newPlace: newCollection,
        open: (collection) => startLikeNest(open({ collection })),
        close: stopLikeNest,
        persists: true,
      }),
    );
  });

  it('creates its collection with the embedder dimension, cosine distance, a keyword index on documentId and a tenant index on collectionId', async () => {
    const collection = newCollection();
    const store = await startLikeNest(open({ collection }));
    const { body } = await qdrant('GET', `/collections/${collection}`);
    expect(body.result.config.params.vectors).toEqual({ size: DIMENSION, distance: 'Cosine' });
    expect(body.result.payload_schema.documentId.data_type).toBe('keyword');
    expect(body.result.payload_schema.collectionId).toMatchObject({ data_type: 'keyword', params: { type: 'keyword', is_tenant: true } });
    expect((store as QdrantVectorStore).details()).toEqual({ kind: 'qdrant', url: proxyUrl, collection });
    await stopLikeNest(store);
  });

  it('gives points written before collections existed the default collection at start, once, so scoped searches find them', async () => {
    const collection = newCollection();
    // A collection as an older Relay left it: no collectionId index, points without collectionId.
    const vec = unitVectors(DIMENSION, 11);
    const old = Array.from({ length: 3 }, (_, i) => ({ id: i + 1, vector: Array.from(vec()), payload: { chunkId: `kb:old.md#${i}`, documentId: 'kb:old.md', title: 'Old', source: 'old.md', position: i, text: `old ${i}` } }));
    await qdrantJson('PUT', `/collections/${collection}`, { vectors: { size: DIMENSION, distance: 'Cosine' } });
    await qdrantJson('PUT', `/collections/${collection}/points?wait=true`, { points: old });

    const store = await startLikeNest(open({ collection }));
    try {
      const hits = await store.search(Float32Array.from(old[1].vector), 3, { collectionIds: ['default'] });
      expect(hits.map((h) => h.chunk.chunkId)).toEqual(expect.arrayContaining(['kb:old.md#0', 'kb:old.md#1', 'kb:old.md#2']));
      expect(hits[0].chunk).toMatchObject({ chunkId: 'kb:old.md#1', collectionId: 'default' });
      expect(await store.search(Float32Array.from(old[1].vector), 3, { collectionIds: ['team-a'] })).toEqual([]);
      const { body } = await qdrantJson('POST', `/collections/${collection}/points/count`, { exact: true, filter: { must: [{ key: 'collectionId', match: { value: 'default' } }] } });
      expect(body.result.count).toBe(3);
    } finally {
      await stopLikeNest(store);
    }
  });

  it("gives a small collection a full top-k when Qdrant answers from its HNSW graph rather than a full scan", async () => {
    // The contract's data is too small for Qdrant to build a graph: here it must (indexing threshold 1 KB), and may
    // not fall back to scanning the matching points: its full-scan threshold is at its minimum, 10 KB, which the
    // small collection's 12 vectors of 384 dimensions (18 KB) exceed.
    const collection = newCollection();
    const dimension = 384;
    await qdrantJson('PUT', `/collections/${collection}`, {
      vectors: { size: dimension, distance: 'Cosine' },
      hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10 },
      optimizers_config: { indexing_threshold: 1, default_segment_number: 1 },
    });
    const store = await startLikeNest(open({ collection, dimension }));
    try {
      const vec = unitVectors(dimension, 5);
      const item = (collectionId: string, documentId: string, i: number) => ({
        chunk: { chunkId: `${documentId}#${i}`, documentId, collectionId, title: documentId, source: documentId, position: i, text: `${documentId} ${i}` },
        vector: vec(),
      });
      const items = [
        ...Array.from({ length: 1200 }, (_, i) => item('big-a', `a-${i % 40}.md`, i)),
        ...Array.from({ length: 1200 }, (_, i) => item('big-b', `b-${i % 40}.md`, i)),
        ...Array.from({ length: 12 }, (_, i) => item('small', `s-${i % 3}.md`, i)),
      ];
      await store.upsert(items);
      for (let tries = 0; ; tries++) {
        const info = (await qdrant('GET', `/collections/${collection}`)).body.result;
        if (info.status === 'green' && info.indexed_vectors_count >= items.length) break;
        if (tries > 300) throw new Error(`Qdrant did not index the collection: ${JSON.stringify({ status: info.status, indexed: info.indexed_vectors_count })}`);
        await new Promise((ok) => setTimeout(ok, 100));
      }
      const graphSearches = async () => {
        const { body } = await qdrant('GET', '/telemetry?details_level=10');
        const mine = (body.result.collections.collections as Array<{ id: string }>).find((c) => c.id === collection);
        // Qdrant counts each kind of search per segment: filtered_large_cardinality is a filtered walk of the graph.
        return [...JSON.stringify(mine).matchAll(/"filtered_large_cardinality":\{"count":(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
      };
      const before = await graphSearches();
      for (const q of [17, 1500, 2000]) {
        const query = items[q].vector;
        const hits = await store.search(query, 10, { collectionIds: ['small'] });
        const expected = items
          .filter((it) => it.chunk.collectionId === 'small')
          .map((it) => ({ id: it.chunk.chunkId, score: it.vector.reduce((sum, x, j) => sum + x * query[j], 0) }))
          .sort((a, b) => b.score - a.score)
          .slice(0, 10)
          .map((e) => e.id);
        expect(hits.map((h) => h.chunk.chunkId)).toEqual(expected);
      }
      expect((await graphSearches()) - before).toBe(3);
    } finally {
      await stopLikeNest(store);
    }
  }, 60_000);

  it('refuses to start on an existing collection of another dimension, saying both', async () => {
    const collection = newCollection();
    await stopLikeNest(await startLikeNest(open({ collection })));
    const other = open({ collection, dimension: 16 });
    const started = startLikeNest(other);
    await expect(started).rejects.toBeInstanceOf(QdrantCollectionMismatchError);
    await expect(started).rejects.toThrow(`Qdrant collection ${collection} holds 8-dimension vectors but the embedder gives 16`);
    expect(other.isReady()).toBe(false);
    expect(String(other.details().error)).toContain('holds 8-dimension vectors');
  });

  it('waits for an embedder that learns its dimension late, then creates the collection', async () => {
    let dimension = 0;
    const collection = newCollection();
    const store = open({ collection, dimension: () => dimension });
    await startLikeNest(store);
    expect(store.isReady()).toBe(false);
    expect(String(store.details().error)).toMatch(/waits for the embedder's dimension/);
    await expect(store.count()).rejects.toThrow(/waits for the embedder's dimension/);

    dimension = DIMENSION;
    expect(await store.probe()).toBe(true);
    expect(store.isReady()).toBe(true);
    expect(store.details().error).toBeUndefined();
    expect(await store.count()).toBe(0);
    await stopLikeNest(store);
  });

  it('upserts in batches of upsertBatch points, each waited for', async () => {
    const collection = newCollection();
    const store = await startLikeNest(open({ collection, upsertBatch: 20 }));
    const vec = unitVectors(DIMENSION, 7);
    const chunks = Array.from({ length: 45 }, (_, i) => ({
      chunk: { chunkId: `kb:big.md#${i}`, documentId: 'big.md', collectionId: 'default', title: 'Big', source: 'big.md', position: i, text: `part ${i}` },
      vector: vec(),
    }));
    await store.upsert(chunks);
    const upserts = proxy.exchanges.filter((e) => e.operationId === 'upsert_points' && e.url.includes(`/${collection}/`));
    expect(upserts).toHaveLength(3);
    expect(upserts.every((e) => new URL(e.url, 'http://x').searchParams.get('wait') === 'true')).toBe(true);
    expect(await store.count()).toBe(45);
    await expect(store.upsert([{ chunk: chunks[0].chunk, vector: new Float32Array(3) }])).rejects.toThrow(`chunk kb:big.md#0 has a vector of 3 dimensions; collection ${collection} holds 8`);
    await stopLikeNest(store);
  });

  it('turns a Qdrant error into one naming the operation, and creates a collection deleted under it again', async () => {
    const collection = newCollection();
    const store = await startLikeNest(open({ collection }));
    expect((await qdrant('DELETE', `/collections/${collection}`)).status).toBe(200);

    await expect(store.count()).rejects.toThrow(new RegExp(`^Qdrant count failed: HTTP 404: .*${collection}`));
    expect(await store.probe()).toBe(true);
    expect(await store.count()).toBe(0);
    await stopLikeNest(store);
  });

  it('reports not ready while Qdrant is unreachable, and ready again by itself when it is back', async () => {
    const collection = newCollection();
    // A proxy of its own, closed and reopened on the same port to cut and restore the connection.
    const flaky = new OpenApiValidatingProxy(QDRANT_URL!, validator);
    const port = await freePort();
    const url = await flaky.start(port);
    const store = await startLikeNest(new QdrantVectorStore({ url, collection, dimension: DIMENSION, upsertBatch: 64, healthIntervalMs: 50 }));
    try {
      expect(store.isReady()).toBe(true);
      await flaky.close();
      await until(() => !store.isReady());
      expect(String(store.details().error)).toMatch(/^Qdrant check collection failed: unreachable: .*ECONNREFUSED/);
      await expect(store.search(new Float32Array(DIMENSION).fill(Math.SQRT1_2 / 2), 1)).rejects.toThrow(/^Qdrant search failed: unreachable/);

      await flaky.start(port);
      await until(() => store.isReady());
      expect(store.details().error).toBeUndefined();
      expect(flaky.violations).toEqual([]);
    } finally {
      await stopLikeNest(store);
      await flaky.close();
    }
  });

  it('is what VectorStoreModule provides for VECTOR_STORE=qdrant, sized by the embedder, with its readiness registered', async () => {
    const collection = newCollection();
    @Global()
    @Module({ providers: [{ provide: EMBEDDER, useValue: new ControllableEmbedder(12) }], exports: [EMBEDDER] })
    class FakeEmbeddingsModule {}
    const config = parseEnv(vectorStoreConfigSchema, { VECTOR_STORE: 'qdrant', QDRANT_URL: proxyUrl, QDRANT_COLLECTION: collection });
    @Module({
      imports: [ObservabilityModule.forRoot({ auditLogPath: join(tmpdir(), `relay-audit-${process.pid}.jsonl`) }), FakeEmbeddingsModule, VectorStoreModule.forRoot({ dataDir: tmpdir(), config })],
    })
    class RootModule {}
    const app = await NestFactory.createApplicationContext(RootModule, { logger: false });
    try {
      const store = app.get<VectorStore>(VECTOR_STORE);
      expect(store).toBeInstanceOf(QdrantVectorStore);
      expect(app.get(ReadinessRegistry).report().find((r) => r.name === 'vector-store')).toEqual({
        name: 'vector-store',
        ready: true,
        details: { kind: 'qdrant', url: proxyUrl, collection },
      });
      expect((await qdrant('GET', `/collections/${collection}`)).body.result.config.params.vectors.size).toBe(12);
    } finally {
      await app.close();
    }
  });

  // Last, so it sees the traffic of every test above.
  it("sent only requests that Qdrant's OpenAPI document allows and got only responses it describes, errors included", () => {
    expect(proxy.report()).toBe('');
    const seen = new Set(proxy.exchanges.map((e) => e.operationId));
    for (const op of ['collection_exists', 'create_collection', 'get_collection', 'create_field_index', 'set_payload', 'upsert_points', 'query_points', 'count_points', 'delete_points', 'scroll_points']) {
      expect(seen).toContain(op);
    }
    expect(proxy.exchanges.some((e) => e.status === 404)).toBe(true);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  await new Promise((ok) => server.close(ok));
  return port;
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((ok) => setTimeout(ok, 20));
  }
}
