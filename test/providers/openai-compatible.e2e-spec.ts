// Contract tests of the openai-compatible adapters against a server no one here wrote: llama-cpp-python's
// OpenAI-compatible server on the SmolLM2 GGUF, started by scripts/llama-server.mjs (whose first run builds the
// server from PyPI into .cache/llama-cpp-python/: several minutes, 16 measured on a busy 2-core machine; later runs
// start in ~2 s). The tokenizer check runs the built class: `npm run test:e2e` builds first.
import { Logger } from '@nestjs/common';
import { embeddingsConfigSchema, OpenAiCompatibleEmbedder } from '@relay/embeddings';
import { llmConfigSchema, OpenAiCompatibleLlm, type LlmConfig } from '@relay/llm';
import type { LlmMessage } from '@relay/contracts';
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '../..');
const MODEL_PATH = resolve(ROOT, 'models/SmolLM2-135M-Instruct.Q4_1.gguf');

interface LlamaServer {
  pid: number;
  port: number;
  baseUrl: string;
}

async function startServer(...args: string[]): Promise<LlamaServer> {
  const { stdout } = await promisify(execFile)(process.execPath, ['scripts/llama-server.mjs', 'start', ...args], { cwd: ROOT, maxBuffer: 16 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as LlamaServer;
}

async function stopServer(server: LlamaServer | undefined): Promise<void> {
  if (server) await promisify(execFile)(process.execPath, ['scripts/llama-server.mjs', 'stop', '--port', String(server.port)], { cwd: ROOT });
}

/**
 * NodeLlamaCppTokenizer as built by `npm run build` (which `npm run test:e2e` runs first), in a child node: jest runs
 * tests as CommonJS in a VM that cannot import() the ESM-only node-llama-cpp.
 */
async function countWithBuiltTokenizer(config: LlmConfig, messages: LlmMessage[]): Promise<number> {
  const built = resolve(ROOT, 'dist/libs/llm/src/node-llama-cpp/node-llama-cpp.tokenizer.js');
  for (const source of ['node-llama-cpp.tokenizer.ts', 'chat-history.ts']) {
    const path = resolve(ROOT, 'libs/llm/src/node-llama-cpp', source);
    if (!existsSync(built) || statSync(path).mtimeMs > statSync(built).mtimeMs) throw new Error(`${built} is missing or older than ${source}: run npm run build`);
  }
  const script = `
    require('@nestjs/common').Logger.overrideLogger(false);
    const { NodeLlamaCppTokenizer } = require(process.argv[1]);
    (async () => {
      const tokenizer = new NodeLlamaCppTokenizer(JSON.parse(process.argv[2]));
      await tokenizer.onModuleInit();
      if (!tokenizer.isReady()) throw new Error('not ready after onModuleInit');
      process.stdout.write(String(tokenizer.countPromptTokens(JSON.parse(process.argv[3]))));
      await tokenizer.onModuleDestroy();
    })().catch((err) => { console.error(err); process.exit(1); });`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, built, JSON.stringify(config), JSON.stringify(messages)], { cwd: ROOT });
  return Number(stdout);
}

const messages = [
  { role: 'system' as const, content: 'You are a helpful assistant. Answer briefly.' },
  { role: 'user' as const, content: 'What is the capital of France?' },
];

describe('openai-compatible adapters against llama-cpp-python', () => {
  let chatServer: LlamaServer | undefined;
  let embeddingServer: LlamaServer | undefined;
  let llm: OpenAiCompatibleLlm;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    // One server for chat, one started with --embedding: llama-cpp-python's embedding mode is for /v1/embeddings.
    // The first start builds the venv; the second waits for that build (the script holds a lock) and reuses it.
    chatServer = await startServer();
    embeddingServer = await startServer('--embedding');
    llm = new OpenAiCompatibleLlm(llmConfigSchema.parse({ LLM_PROVIDER: 'openai-compatible', LLM_BASE_URL: chatServer.baseUrl }));
    await llm.onModuleInit();
  }, 15 * 60_000);

  afterAll(async () => {
    llm?.onModuleDestroy();
    await Promise.all([stopServer(chatServer), stopServer(embeddingServer)]);
  });

  it('is ready after GET /models and uses the model the server lists first', () => {
    expect(llm.isReady()).toBe(true);
    // llama-cpp-python names the model after the path it was started with.
    expect(llm.modelName).toContain('SmolLM2-135M-Instruct');
  });

  it('streams a real answer: the deltas join to the text, with a finish reason and token usage', async () => {
    const deltas: string[] = [];

    const result = await llm.generate(messages, { maxTokens: 48, onDelta: (d) => deltas.push(d) });

    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(result.text);
    expect(result.text).toMatch(/Paris/);
    expect(['stop', 'length']).toContain(result.finishReason);
    // llama-cpp-python 0.3.36 ignores stream_options.include_usage, so these are the adapter's own counts.
    expect(result.promptTokens).toBeGreaterThan(10);
    expect(result.completionTokens).toBeGreaterThan(0);
    expect(result.completionTokens).toBeLessThanOrEqual(48);
  });

  it('reports "length" when the answer reaches max_tokens', async () => {
    const result = await llm.generate([{ role: 'user', content: 'Write a long story about a dragon who learns to code.' }], {
      maxTokens: 5,
      onDelta: () => undefined,
    });

    expect(result.finishReason).toBe('length');
    expect(result.completionTokens).toBe(5);
  });

  it('cancels mid-answer with the text so far, and the server keeps serving', async () => {
    const controller = new AbortController();
    const deltas: string[] = [];
    const started = performance.now();

    const result = await llm.generate([{ role: 'user', content: 'Count from 1 to 200, one number per line.' }], {
      maxTokens: 400,
      signal: controller.signal,
      onDelta: (d) => {
        deltas.push(d);
        if (deltas.length === 3) controller.abort();
      },
    });

    expect(result.finishReason).toBe('cancelled');
    expect(result.text).toBe(deltas.join(''));
    expect(deltas).toHaveLength(3);
    // 400 tokens would take several seconds on one thread; a cancel returns at once.
    expect(performance.now() - started).toBeLessThan(5000);
    const next = await llm.generate(messages, { maxTokens: 8, onDelta: () => undefined });
    expect(next.text.length).toBeGreaterThan(0);
  });

  it('counts prompt tokens from the vocabulary alone exactly as the server does', async () => {
    const config = llmConfigSchema.parse({ LLM_PROVIDER: 'openai-compatible', LLM_TOKENIZER_PATH: MODEL_PATH });
    const history = [...messages, { role: 'assistant' as const, content: 'Paris.' }, { role: 'user' as const, content: 'And of Italy? Ünïcödé 🚀' }];
    // Non-streaming, so the server's own usage is there whatever it does with stream_options.
    const res = await fetch(`${chatServer!.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: history, max_tokens: 1 }),
    });
    const { usage } = (await res.json()) as { usage: { prompt_tokens: number } };

    expect(await countWithBuiltTokenizer(config, history)).toBe(usage.prompt_tokens);
  });

  it('embeds through /v1/embeddings: one normalised vector per text, the first text first, of the dimension the probe found', async () => {
    const embedder = new OpenAiCompatibleEmbedder(
      embeddingsConfigSchema.parse({ EMBEDDINGS_PROVIDER: 'openai-compatible', EMBEDDINGS_BASE_URL: embeddingServer!.baseUrl }),
    );
    await embedder.onModuleInit();
    try {
      const texts = ['Relay streams answers.', 'Paris is the capital of France.', 'Tokens stream over Socket.IO.'];

      const vectors = await embedder.embed(texts);
      const [alone] = await embedder.embed([texts[0]]);

      expect(embedder.isReady()).toBe(true);
      // SmolLM2-135M's hidden size: the server sends one vector per token, which the adapter mean-pools.
      expect(embedder.dimension).toBe(576);
      expect(vectors).toHaveLength(3);
      for (const v of [...vectors, alone]) {
        expect(v).toHaveLength(576);
        expect(Math.hypot(...v)).toBeCloseTo(1, 4);
      }
      const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);
      // The first vector of the batch is the first text's. Only the first: llama-cpp-python 0.3.36 embeds a batch's
      // later inputs after the earlier ones without clearing its cache, so the same text gives another vector there.
      expect(dot(vectors[0], alone)).toBeCloseTo(1, 4);
      expect(dot(vectors[0], vectors[1])).toBeLessThan(0.99);
    } finally {
      embedder.onModuleDestroy();
    }
  });
});
