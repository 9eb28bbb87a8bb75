import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { QdrantRequestError } from './qdrant-request-error';
import { QdrantVectorStore } from './qdrant-vector-store';

// Without a server: what the adapter does when Qdrant is not there. The real server runs in
// test/vector-store/vector-store.medium-spec.ts whenever QDRANT_URL is set.
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  await new Promise((ok) => server.close(ok));
  return port;
}

function setup(overrides: Partial<ConstructorParameters<typeof QdrantVectorStore>[0]> = {}) {
  return new QdrantVectorStore({ url: 'http://127.0.0.1:1', collection: 'relay_chunks', dimension: 4, upsertBatch: 64, healthIntervalMs: 0, ...overrides });
}

describe('QdrantVectorStore without a reachable Qdrant', () => {
  it('starts, but is not ready, and says why with the URL and collection (never the API key)', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const sut = setup({ url, apiKey: 'very-secret' });
    sut.onModuleInit();
    await expect(sut.onApplicationBootstrap()).resolves.toBeUndefined();
    expect(sut.isReady()).toBe(false);
    expect(sut.details()).toEqual({ kind: 'qdrant', url, collection: 'relay_chunks', error: expect.stringMatching(/^Qdrant check collection failed: unreachable: .*ECONNREFUSED/) });
    expect(JSON.stringify(sut.details())).not.toContain('very-secret');
    expect(await sut.probe()).toBe(false);
    sut.onModuleDestroy();
  });

  it('fails each operation with an error naming it', async () => {
    const sut = setup({ url: `http://127.0.0.1:${await closedPort()}` });
    await expect(sut.count()).rejects.toThrow(/^Qdrant check collection failed: unreachable/);
    await expect(sut.search(new Float32Array(4), 3)).rejects.toBeInstanceOf(QdrantRequestError);
  });

  it('refuses bad arguments before any request', async () => {
    expect(() => setup({ upsertBatch: 0 })).toThrow('upsertBatch must be a positive integer (got 0)');
    expect(() => setup({ collection: '' })).toThrow('collection must not be empty');
    await expect(setup().search(new Float32Array(4), -1)).rejects.toThrow('k must be a non-negative integer (got -1)');
    await expect(setup().search(new Float32Array(4), 2, { documentIds: [] })).resolves.toEqual([]);
  });
});

describe('QdrantRequestError.from', () => {
  it("keeps Qdrant's own reason from an error body", () => {
    const apiError = Object.assign(new Error('Bad Request'), { status: 400, statusText: 'Bad Request', data: { status: { error: 'Wrong input: Vector dimension error: expected dim: 384, got 3' }, time: 0 } });
    const err = QdrantRequestError.from('upsert', apiError);
    expect(err.message).toBe('Qdrant upsert failed: HTTP 400: Wrong input: Vector dimension error: expected dim: 384, got 3');
    expect(err.status).toBe(400);
    expect(err.unreachable).toBe(false);
  });

  it("reads the client's 'Unexpected Response' message and a network error's cause", () => {
    const unexpected = new Error('Unexpected Response: 404 (Not Found)\nRaw response content:\n{"status":{"error":"Not found: Collection `x` doesn\'t exist!"},"time":0}');
    expect(QdrantRequestError.from('count', unexpected).message).toBe("Qdrant count failed: HTTP 404: Not found: Collection `x` doesn't exist!");
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    const err = QdrantRequestError.from('search', refused);
    expect(err.message).toBe('Qdrant search failed: unreachable: fetch failed (ECONNREFUSED)');
    expect(err.unreachable).toBe(true);
  });
});
