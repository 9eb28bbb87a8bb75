import { Logger } from '@nestjs/common';
import { FakeOpenAiServer, json } from '@relay/testing';
import { embeddingsConfigSchema, type EmbeddingsConfig } from '../embeddings.config';
import { OpenAiCompatibleEmbedder } from './openai-compatible.embedder';

const FAST_PROBE = { firstDelayMs: 20, maxDelayMs: 50, timeoutMs: 1000 };

async function setup(env: Partial<Record<keyof EmbeddingsConfig, string>> = {}) {
  const server = await FakeOpenAiServer.start();
  const config = embeddingsConfigSchema.parse({ EMBEDDINGS_PROVIDER: 'openai-compatible', EMBEDDINGS_BASE_URL: server.baseUrl, ...env });
  return { sut: new OpenAiCompatibleEmbedder(config, FAST_PROBE), server };
}

/** An embeddings answer whose rows come back in the order given, each with its index. */
function answer(rows: Array<{ index: number; embedding: number[] | number[][] }>) {
  return { object: 'list', model: 'fake-model', data: rows.map((r) => ({ object: 'embedding', ...r })) };
}

const norm = (v: Float32Array) => Math.hypot(...v);

describe('OpenAiCompatibleEmbedder', () => {
  let server: FakeOpenAiServer | undefined;
  let sut: OpenAiCompatibleEmbedder | undefined;
  beforeAll(() => Logger.overrideLogger(false));
  afterEach(async () => {
    sut?.onModuleDestroy();
    await server?.close();
    server = sut = undefined;
  });

  it('sends { model, input } and returns one L2-normalised vector per text, ordered by index', async () => {
    ({ sut, server } = await setup({ EMBEDDINGS_API_MODEL: 'embed-model', EMBEDDINGS_API_KEY: 'sk-e' }));
    server.routes['POST /v1/embeddings'] = (res) =>
      json(res, 200, answer([
        { index: 2, embedding: [0, 0, 5] },
        { index: 0, embedding: [3, 4, 0] },
        { index: 1, embedding: [0, 2, 0] },
      ]));

    const vectors = await sut.embed(['a', 'b', 'c']);

    expect(vectors.map((v) => Array.from(v))).toEqual([
      [expect.closeTo(0.6, 6), expect.closeTo(0.8, 6), 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(vectors.every((v) => v instanceof Float32Array)).toBe(true);
    expect(server.requests[0].body).toEqual({ model: 'embed-model', input: ['a', 'b', 'c'] });
    expect(server.requests[0].headers.authorization).toBe('Bearer sk-e');
  });

  it('mean-pools per-token vectors (llama.cpp with a model that has no pooling) before normalising', async () => {
    ({ sut, server } = await setup({ EMBEDDINGS_API_MODEL: 'm' }));
    server.routes['POST /v1/embeddings'] = (res) =>
      json(res, 200, answer([
        { index: 0, embedding: [[1, 0], [0, 1]] },
        { index: 1, embedding: [[3, 0], [1, 0], [2, 0]] },
      ]));

    const [a, b] = await sut.embed(['two tokens', 'three tokens here']);

    expect(Array.from(a)).toEqual([expect.closeTo(Math.SQRT1_2, 6), expect.closeTo(Math.SQRT1_2, 6)]);
    expect(Array.from(b)).toEqual([1, 0]);
  });

  it('learns the dimension from a probe at start-up, asking /models for the model when none is set', async () => {
    ({ sut, server } = await setup());
    server.models = ['nomic-embed-text'];
    server.routes['POST /v1/embeddings'] = (res, body) => json(res, 200, answer(body.input.map((_: string, index: number) => ({ index, embedding: [1, 2, 3, 4] }))));
    expect(sut.isReady()).toBe(false);

    await sut.onModuleInit();

    expect(sut.isReady()).toBe(true);
    expect(sut.dimension).toBe(4);
    expect(sut.modelName).toBe('nomic-embed-text');
    expect(server.requests.at(-1)!.body).toMatchObject({ model: 'nomic-embed-text', input: ['dimension probe'] });
    expect(norm((await sut.embed(['x']))[0])).toBeCloseTo(1, 6);
  });

  it('starts without the server and becomes ready once a background probe reaches it', async () => {
    const gone = await FakeOpenAiServer.start();
    const port = gone.port;
    await gone.close();
    sut = new OpenAiCompatibleEmbedder(
      embeddingsConfigSchema.parse({ EMBEDDINGS_PROVIDER: 'openai-compatible', EMBEDDINGS_BASE_URL: `http://127.0.0.1:${port}/v1`, EMBEDDINGS_API_MODEL: 'm' }),
      FAST_PROBE,
    );

    await sut.onModuleInit();
    expect(sut.isReady()).toBe(false);
    server = await FakeOpenAiServer.start(port);
    server.routes['POST /v1/embeddings'] = (res) => json(res, 200, answer([{ index: 0, embedding: [1, 1] }]));

    await waitFor(() => sut!.isReady());
    expect(sut.dimension).toBe(2);
  });

  it('fails with the status and an excerpt of the body when the server answers an error', async () => {
    ({ sut, server } = await setup({ EMBEDDINGS_API_MODEL: 'm' }));
    server.routes['POST /v1/embeddings'] = (res) => json(res, 404, { error: { message: 'model "m" not found, try pulling it first' } });

    await expect(sut.embed(['x'])).rejects.toThrow(/answered 404 Not Found to POST http:\/\/127\.0\.0\.1:\d+\/v1\/embeddings: .*not found, try pulling it first/);
  });

  it('fails when the server returns a different number of vectors or a different dimension', async () => {
    ({ sut, server } = await setup({ EMBEDDINGS_API_MODEL: 'm' }));
    let rows = [{ index: 0, embedding: [1, 0, 0] }];
    server.routes['POST /v1/embeddings'] = (res) => json(res, 200, answer(rows));
    await sut.onModuleInit();

    await expect(sut.embed(['x', 'y'])).rejects.toThrow('returned 1 embeddings for 2 inputs');
    rows = [{ index: 0, embedding: [1, 0] }];
    await expect(sut.embed(['x'])).rejects.toThrow('vectors of 2 dimensions, expected 3');
  });

  it('returns nothing for no texts without calling the server', async () => {
    ({ sut, server } = await setup({ EMBEDDINGS_API_MODEL: 'm' }));

    expect(await sut.embed([])).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
