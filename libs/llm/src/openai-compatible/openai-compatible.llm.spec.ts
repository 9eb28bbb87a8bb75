import { Logger } from '@nestjs/common';
import { chunkEvent, FakeOpenAiServer, json, startStream, writeSlowly } from '@relay/testing';
import { llmConfigSchema, type LlmConfig } from '../llm.config';
import { OpenAiCompatibleLlm } from './openai-compatible.llm';

const messages = [
  { role: 'system' as const, content: 'Answer briefly.' },
  { role: 'user' as const, content: 'What is Relay?' },
];
const FAST_PROBE = { firstDelayMs: 20, maxDelayMs: 50, timeoutMs: 1000 };

async function setup(env: Partial<Record<keyof LlmConfig, string>> = {}) {
  const server = await FakeOpenAiServer.start();
  const config = llmConfigSchema.parse({ LLM_PROVIDER: 'openai-compatible', LLM_BASE_URL: server.baseUrl, ...env });
  const sut = new OpenAiCompatibleLlm(config, FAST_PROBE);
  return { sut, server };
}

function collect() {
  const deltas: string[] = [];
  return { deltas, onDelta: (d: string) => deltas.push(d) };
}

describe('OpenAiCompatibleLlm', () => {
  beforeAll(() => Logger.overrideLogger(false));
  let server: FakeOpenAiServer | undefined;
  let sut: OpenAiCompatibleLlm | undefined;
  afterEach(async () => {
    sut?.onModuleDestroy();
    await server?.close();
    server = sut = undefined;
  });

  it('streams each content delta in order and returns the joined text, finish reason and reported usage', async () => {
    ({ sut, server } = await setup({ LLM_MODEL: 'my-model', LLM_API_KEY: 'sk-test', LLM_TEMPERATURE: '0.3' }));
    server.routes['POST /v1/chat/completions'] = async (res) => {
      startStream(res);
      await writeSlowly(res, [
        chunkEvent({ content: '' }), // the role-only first chunk most servers send
        chunkEvent({ content: 'Relay ' }),
        chunkEvent({ content: 'is a ' }),
        chunkEvent({ content: 'chat.' }),
        chunkEvent({ finish: 'stop' }),
        chunkEvent({ usage: { prompt_tokens: 21, completion_tokens: 3 } }),
        'data: [DONE]\n\n',
      ]);
      res.end();
    };
    const { deltas, onDelta } = collect();

    const result = await sut.generate(messages, { maxTokens: 64, onDelta });

    expect(deltas).toEqual(['Relay ', 'is a ', 'chat.']);
    expect(result).toEqual({ text: 'Relay is a chat.', finishReason: 'stop', promptTokens: 21, completionTokens: 3 });
    const request = server.requests.find((r) => r.path === '/v1/chat/completions')!;
    expect(request.headers.authorization).toBe('Bearer sk-test');
    expect(request.body).toEqual({
      model: 'my-model',
      messages,
      stream: true,
      max_tokens: 64,
      temperature: 0.3,
      stream_options: { include_usage: true },
    });
  });

  it('maps finish_reason "length" to "length" and sends no Authorization header without a key', async () => {
    ({ sut, server } = await setup());
    server.routes['POST /v1/chat/completions'] = (res) => {
      startStream(res);
      res.end(chunkEvent({ content: 'cut' }) + chunkEvent({ finish: 'length' }) + 'data: [DONE]\n\n');
    };

    const result = await sut.generate(messages, { maxTokens: 1, onDelta: () => undefined });

    expect(result.finishReason).toBe('length');
    expect(server.requests.at(-1)!.headers.authorization).toBeUndefined();
  });

  it('uses the first model the server lists when LLM_MODEL is empty, and is ready once GET /models answered', async () => {
    ({ sut, server } = await setup());
    server.models = ['first', 'second'];
    server.routes['POST /v1/chat/completions'] = (res) => {
      startStream(res);
      res.end(chunkEvent({ content: 'ok', finish: 'stop' }) + 'data: [DONE]\n\n');
    };
    expect(sut.isReady()).toBe(false);

    await sut.onModuleInit();
    await sut.generate(messages, { maxTokens: 8, onDelta: () => undefined });

    expect(sut.isReady()).toBe(true);
    expect(sut.modelName).toBe('first');
    expect(server.requests.at(-1)!.body).toMatchObject({ model: 'first' });
  });

  it('reassembles events split anywhere, even inside a UTF-8 character and between CR and LF', async () => {
    ({ sut, server } = await setup({ LLM_MODEL: 'm' }));
    const wire = Buffer.from(
      ': keep-alive comment\r\n\r\n' +
        chunkEvent({ content: 'Grüße ' }).replace(/\n/g, '\r\n') +
        chunkEvent({ content: '🚀 done' }) +
        chunkEvent({ finish: 'stop' }) +
        'data: [DONE]\n\n',
    );
    // Cut into 3-byte pieces: lines, the JSON, "ü" (2 bytes), the emoji (4 bytes) and every CRLF end up split.
    const pieces: Buffer[] = [];
    for (let i = 0; i < wire.length; i += 3) pieces.push(wire.subarray(i, i + 3));
    server.routes['POST /v1/chat/completions'] = async (res) => {
      startStream(res);
      await writeSlowly(res, pieces, 1);
      res.end();
    };
    const { deltas, onDelta } = collect();

    const result = await sut.generate(messages, { maxTokens: 8, onDelta });

    expect(deltas).toEqual(['Grüße ', '🚀 done']);
    expect(result.text).toBe('Grüße 🚀 done');
    expect(result.finishReason).toBe('stop');
  });

  it('stops at once when aborted mid-stream: "cancelled" with the text so far, and the connection is dropped', async () => {
    ({ sut, server } = await setup({ LLM_MODEL: 'm' }));
    server.routes['POST /v1/chat/completions'] = async (res) => {
      startStream(res);
      res.write(chunkEvent({ content: 'Hello' }));
      // Then keep generating slowly, as a real model would, until the client goes away.
      for (let i = 0; i < 200 && !res.destroyed; i++) {
        await new Promise((r) => setTimeout(r, 20));
        if (!res.destroyed) res.write(': still thinking\n\n');
      }
      res.end();
    };
    const controller = new AbortController();
    const deltas: string[] = [];

    const result = await sut.generate(messages, {
      maxTokens: 64,
      signal: controller.signal,
      onDelta: (d) => {
        deltas.push(d);
        controller.abort();
      },
    });

    expect(result).toMatchObject({ text: 'Hello', finishReason: 'cancelled', completionTokens: 1 });
    expect(deltas).toEqual(['Hello']);
    await waitFor(() => server!.closedEarly === 1);
  });

  it('returns "cancelled" without calling the server when the signal is already aborted', async () => {
    ({ sut, server } = await setup({ LLM_MODEL: 'm' }));

    const result = await sut.generate(messages, { maxTokens: 8, signal: AbortSignal.abort(), onDelta: () => undefined });

    expect(result).toMatchObject({ text: '', finishReason: 'cancelled', completionTokens: 0 });
    expect(server.requests).toHaveLength(0);
  });

  it('fails with the status and an excerpt of the body when the server answers an error', async () => {
    ({ sut, server } = await setup({ LLM_MODEL: 'm' }));
    server.routes['POST /v1/chat/completions'] = (res) => json(res, 500, { error: { message: 'model crashed: out of memory' } });

    await expect(sut.generate(messages, { maxTokens: 8, onDelta: () => undefined })).rejects.toThrow(
      /answered 500 Internal Server Error to POST http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions: .*model crashed: out of memory/,
    );
  });

  it('estimates usage when the server sends none: one token per content chunk, ~4 characters per prompt token', async () => {
    ({ sut, server } = await setup({ LLM_MODEL: 'm' }));
    server.routes['POST /v1/chat/completions'] = (res) => {
      startStream(res);
      // No [DONE] either: a finish_reason is enough to know the answer is complete.
      res.end(chunkEvent({ content: 'a' }) + chunkEvent({ content: 'b' }) + chunkEvent({ content: 'c', finish: 'stop' }));
    };

    const result = await sut.generate(messages, { maxTokens: 8, onDelta: () => undefined });

    expect(result.completionTokens).toBe(3);
    // "Answer briefly." (15 chars → 4) + "What is Relay?" (14 chars → 4), plus 4 per message.
    expect(result.promptTokens).toBe(16);
  });

  it('retries without stream_options when the server refuses them, and stops sending them', async () => {
    ({ sut, server } = await setup({ LLM_MODEL: 'm' }));
    server.routes['POST /v1/chat/completions'] = (res, body) => {
      if (body.stream_options) return json(res, 400, { error: { message: "Unrecognized request argument supplied: stream_options" } });
      startStream(res);
      res.end(chunkEvent({ content: 'fine', finish: 'stop' }) + 'data: [DONE]\n\n');
    };

    const first = await sut.generate(messages, { maxTokens: 8, onDelta: () => undefined });
    await sut.generate(messages, { maxTokens: 8, onDelta: () => undefined });

    expect(first.text).toBe('fine');
    expect(server.requests.map((r) => Boolean((r.body as { stream_options?: unknown }).stream_options))).toEqual([true, false, false]);
  });

  it('fails when the stream ends before the answer is finished', async () => {
    ({ sut, server } = await setup({ LLM_MODEL: 'm' }));
    server.routes['POST /v1/chat/completions'] = (res) => {
      startStream(res);
      res.end(chunkEvent({ content: 'half an ans' }));
    };

    await expect(sut.generate(messages, { maxTokens: 8, onDelta: () => undefined })).rejects.toThrow(/ended before the answer was finished/);
  });

  it('fails with the server message when the stream carries an error event', async () => {
    ({ sut, server } = await setup({ LLM_MODEL: 'm' }));
    server.routes['POST /v1/chat/completions'] = (res) => {
      startStream(res);
      res.end(chunkEvent({ content: 'x' }) + `data: ${JSON.stringify({ error: { message: 'context overflow' } })}\n\n`);
    };

    await expect(sut.generate(messages, { maxTokens: 8, onDelta: () => undefined })).rejects.toThrow(/failed mid-stream.*context overflow/);
  });

  it('fails after LLM_REQUEST_TIMEOUT_MS without a byte from the server', async () => {
    ({ sut, server } = await setup({ LLM_MODEL: 'm', LLM_REQUEST_TIMEOUT_MS: '1000' }));
    server.routes['POST /v1/chat/completions'] = (res) => {
      startStream(res);
      res.write(chunkEvent({ content: 'then silence' }));
    };

    await expect(sut.generate(messages, { maxTokens: 8, onDelta: () => undefined })).rejects.toThrow(/sent nothing for 1000 ms/);
  });

  it('starts without the server, reports not ready, and becomes ready when the server comes up', async () => {
    const gone = await FakeOpenAiServer.start();
    const port = gone.port;
    await gone.close();
    const config = llmConfigSchema.parse({ LLM_PROVIDER: 'openai-compatible', LLM_BASE_URL: `http://127.0.0.1:${port}/v1` });
    sut = new OpenAiCompatibleLlm(config, FAST_PROBE);

    await sut.onModuleInit(); // does not throw
    expect(sut.isReady()).toBe(false);
    await expect(sut.generate(messages, { maxTokens: 8, onDelta: () => undefined })).rejects.toThrow(/unreachable at GET http:\/\/127\.0\.0\.1:\d+\/v1\/models.*ECONNREFUSED/);

    server = await FakeOpenAiServer.start(port);
    await waitFor(() => sut!.isReady());
    expect(sut.modelName).toBe('fake-model');
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
