import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenApiValidatingProxy } from './openapi-validating-proxy';
import { OpenApiValidator } from './openapi-validator';

// The real Qdrant 1.19.0 document: these tests show the contract suite's zero-violation check can fail.
const validator = new OpenApiValidator();
const POINT_ID = '6f3c1f4e-9a5b-5c7e-8d21-b0a4c3e5f7a9';
const okQuery = { result: { points: [{ id: POINT_ID, version: 1, score: 0.5, payload: { a: 1 }, vector: [0.1, 0.2] }] }, status: 'ok', time: 0.001 };

describe('OpenApiValidator (Qdrant 1.19.0 document)', () => {
  it('finds the operation of a method and URL, literal segments before parameters', () => {
    expect(validator.operation('POST', '/collections/relay/points/query?timeout=3')?.operationId).toBe('query_points');
    expect(validator.operation('PUT', '/collections/relay/points?wait=true')?.operationId).toBe('upsert_points');
    expect(validator.operation('POST', '/collections/aliases')?.operationId).toBe('update_aliases');
    expect(validator.operation('GET', '/collections/relay')?.operationId).toBe('get_collection');
    expect(validator.operation('POST', '/no/such/thing')).toBeUndefined();
  });

  it('accepts the requests the Qdrant adapter sends', () => {
    const upsert = { points: [{ id: POINT_ID, vector: [0.1, 0.2], payload: { chunkId: 'kb:a#0', page: 2 } }] };
    expect(validator.validateRequest('PUT', '/collections/relay/points?wait=true', JSON.stringify(upsert))).toEqual([]);
    const query = { query: [0.1, 0.2], limit: 3, with_vector: true, with_payload: true, filter: { must: [{ key: 'documentId', match: { any: ['a'] } }] } };
    expect(validator.validateRequest('POST', '/collections/relay/points/query', JSON.stringify(query))).toEqual([]);
    expect(validator.validateRequest('PUT', '/collections/relay', JSON.stringify({ vectors: { size: 384, distance: 'Cosine' } }))).toEqual([]);
    expect(validator.validateRequest('GET', '/collections/relay/exists', undefined)).toEqual([]);
  });

  it('flags a bad request: a point id that is neither an unsigned integer nor a UUID, a bad query value, an unknown field', () => {
    expect(validator.validateRequest('PUT', '/collections/relay/points', JSON.stringify({ points: [{ id: 'kb:docs/x.md#3', vector: [0.1], payload: {} }] })).length).toBeGreaterThan(0);
    expect(validator.validateRequest('PUT', '/collections/relay/points?wait=maybe', JSON.stringify({ points: [] })).join('\n')).toMatch(/query\/wait/);
    expect(validator.validateRequest('PUT', '/collections/relay/points?hurry=true', JSON.stringify({ points: [] })).join('\n')).toMatch(/additional/);
    expect(validator.validateRequest('PUT', '/collections/relay', JSON.stringify({ vectors: { size: 384, distance: 'Angular' } })).length).toBeGreaterThan(0);
    expect(validator.validateRequest('POST', '/collections/relay/points/query', '{not json')[0]).toMatch(/not JSON/);
    expect(validator.validateRequest('DELETE', '/points', undefined)[0]).toMatch(/not an operation/);
  });

  it('accepts good responses, including Qdrant error bodies on 4XX', () => {
    expect(validator.validateResponse('POST', '/collections/relay/points/query', 200, JSON.stringify(okQuery))).toEqual([]);
    expect(validator.validateResponse('POST', '/collections/relay/points/query', 404, JSON.stringify({ status: { error: 'Not found: Collection `relay` does not exist!' }, time: 0 }))).toEqual([]);
    expect(validator.validateResponse('GET', '/collections/relay/exists', 200, JSON.stringify({ result: { exists: true }, status: 'ok', time: 0 }))).toEqual([]);
  });

  it('flags a bad response: wrong types, a negative uint, an error that is not a string, a non-JSON body', () => {
    const bad = { result: { points: [{ id: -3, version: 1, score: 'high' }] }, status: 'ok', time: 0 };
    const problems = validator.validateResponse('POST', '/collections/relay/points/query', 200, JSON.stringify(bad));
    expect(problems.join('\n')).toMatch(/score/);
    expect(validator.validateResponse('POST', '/collections/relay/points/count', 200, JSON.stringify({ result: { count: -1 }, status: 'ok', time: 0 })).join('\n')).toMatch(/count/);
    expect(validator.validateResponse('POST', '/collections/relay/points/query', 404, JSON.stringify({ status: { error: 5 }, time: 0 })).join('\n')).toMatch(/status\/error/);
    expect(validator.validateResponse('POST', '/collections/relay/points/query', 200, '<html>')[0]).toMatch(/not JSON/);
  });
});

describe('OpenApiValidatingProxy', () => {
  let upstream: Server;
  let answer: { status: number; body: unknown };
  let proxy: OpenApiValidatingProxy;
  let url: string;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      req.resume();
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
    await new Promise<void>((ok) => upstream.listen(0, '127.0.0.1', ok));
    proxy = new OpenApiValidatingProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, validator);
    url = await proxy.start();
  });
  afterAll(async () => {
    await proxy.close();
    await new Promise((ok) => upstream.close(ok));
  });

  it('forwards unchanged and records a bad request and a bad response as violations', async () => {
    answer = { status: 200, body: okQuery };
    const good = await fetch(`${url}/collections/relay/points/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: [0.1], limit: 1 }) });
    expect(await good.json()).toEqual(okQuery);
    expect(proxy.violations).toEqual([]);

    answer = { status: 200, body: { result: { points: [{ id: 1.5, version: 0, score: 0 }] }, status: 'ok', time: 0 } };
    const bad = await fetch(`${url}/collections/relay/points/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: [0.1], limit: -1 }) });
    expect(bad.status).toBe(200);
    expect(proxy.violations.map((v) => [v.direction, v.operationId])).toEqual([
      ['request', 'query_points'],
      ['response', 'query_points'],
    ]);
    expect(proxy.report()).toMatch(/limit/);
    expect(proxy.exchanges).toHaveLength(2);
  });
});
