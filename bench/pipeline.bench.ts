import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ChatDoneEvent, LlmMessage, TOPICS } from '@relay/contracts';
import { readEnvironment } from '@relay/config';
import { InProcessBroker, createInProcessTransport } from '@relay/transport';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { loadRelayConfig } from '../apps/relay/src/relay.config';
import { RelayModule } from '../apps/relay/src/relay.module';
import { percentile, round, summary } from './stats';
import { measureTransportOverhead } from './transport-overhead';

// npm run bench:pipeline [-- --levels 1,16,64 --max-tokens 48 --hops 5000]
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const LEVELS = arg('levels', '1,16,64').split(',').map(Number);
const MAX_TOKENS = Number(arg('max-tokens', '48'));
const HOPS = Number(arg('hops', '5000'));

const QUESTIONS = [
  'How do I run Relay on one machine?',
  'What does the pre-processor do?',
  'How are answers grounded in documents?',
  'What happens when a queue is full?',
  'How do I cancel an answer?',
  'What is in the audit trail?',
  'Which model answers by default?',
  'How do I configure the port?',
  'What does GET /health/ready report?',
  'What is a session token?',
  'What are dead letters?',
  'How do I use my own documents?',
  'What does chat:done contain?',
  'Is Relay open source?',
  'What is the envelope of a message?',
  'How do I run the tests?',
];

interface Measured {
  done: ChatDoneEvent;
  sentAt: number;
  firstChunkAt: number;
  doneAt: number;
}

async function main(): Promise<void> {
  const env = {
    ...readEnvironment(),
    DATA_DIR: mkdtempSync(join(tmpdir(), 'relay-bench-')),
    LOG_LEVEL: 'error',
    PORT: '3000', // validated but unused: the bench listens on a free port
    HOST: '127.0.0.1',
    AUTH_SECRET: 'bench-secret-bench-secret-bench-secret',
    LLM_MAX_TOKENS: String(MAX_TOKENS),
    TRANSPORT_QUEUE_CAPACITY: '1024',
    CHAT_RATE_BURST: '1000',
  };
  const config = loadRelayConfig(env);
  log(`# Relay pipeline benchmark — embedded default, ${LEVELS.join('/')} concurrent sessions, LLM_MAX_TOKENS=${MAX_TOKENS}, LLM_THREADS=${config.llm.LLM_THREADS}`);

  // 1. The transport alone, before the models load.
  const overhead = await measureTransportOverhead(createInProcessTransport(config.common), HOPS);
  const hop = summary(overhead.hopMs);
  log(`\n## In-process transport, one hop (publish → handler start), ${HOPS} records, idle process`);
  log(`p50 ${hop.p50} ms   p99 ${hop.p99} ms   pipelined ${Math.round(overhead.pipelinedPerSec)} records/s`);

  // 2. The embedded app, with a second consumer group on chat.prompts capturing the exact prompts for the baseline.
  const transport = createInProcessTransport(config.common);
  const app = await NestFactory.create(RelayModule.forRoot(config, transport), { logger: ['error'] });
  app.connectMicroservice({ strategy: transport.server }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  await waitReady(url);
  const prompts: Array<{ messages: LlmMessage[]; maxTokens: number }> = [];
  app.get(InProcessBroker).subscribe(TOPICS.prompts, 'bench-capture', async (record) => {
    const { payload } = JSON.parse(record.value) as { payload: { messages: LlmMessage[]; maxTokens: number } };
    prompts.push({ messages: payload.messages, maxTokens: payload.maxTokens });
  });

  await runLevel(url, 2); // warm-up
  prompts.length = 0;

  const levels: Record<string, unknown> = {};
  const levelTokensPerSec: Record<number, number> = {};
  const allPrompts: typeof prompts = [];
  for (const n of LEVELS) {
    const started = performance.now();
    const results = await runLevel(url, n);
    const wallS = (performance.now() - started) / 1000;
    const tokens = results.reduce((s, r) => s + r.done.usage.completionTokens, 0);
    const stages: Record<string, { queuedP50: number; queuedP99: number; handledP50: number; handledP99: number }> = {};
    for (const stage of results[0].done.timings.stages.map((s) => s.stage)) {
      const rows = results.map((r) => r.done.timings.stages.find((s) => s.stage === stage)!);
      stages[stage] = {
        queuedP50: round(percentile(rows.map((s) => s.queuedMs), 50)),
        queuedP99: round(percentile(rows.map((s) => s.queuedMs), 99)),
        handledP50: round(percentile(rows.map((s) => s.handledMs), 50)),
        handledP99: round(percentile(rows.map((s) => s.handledMs), 99)),
      };
    }
    const ttft = results.map((r) => r.firstChunkAt - r.sentAt);
    const decode = results.map((r) => (r.done.usage.completionTokens - 1) / Math.max(1e-3, (r.doneAt - r.firstChunkAt) / 1000));
    const level = {
      sessions: n,
      wallS: round(wallS),
      completionTokens: tokens,
      tokensPerSec: round(tokens / wallS),
      ttftMs: { p50: round(percentile(ttft, 50)), p99: round(percentile(ttft, 99)) },
      decodeTokensPerSecP50: round(percentile(decode, 50)),
      stages,
    };
    levels[n] = level;
    levelTokensPerSec[n] = level.tokensPerSec;
    allPrompts.push(...prompts);
    log(`\n## ${n} concurrent session(s): ${results.length} answers, ${tokens} tokens in ${level.wallS} s → ${level.tokensPerSec} tokens/s`);
    log(`time to first token p50 ${level.ttftMs.p50} ms, p99 ${level.ttftMs.p99} ms; decode p50 ${level.decodeTokensPerSecP50} tokens/s per answer`);
    log('stage            queued p50/p99 ms    handled p50/p99 ms');
    for (const [stage, s] of Object.entries(stages)) {
      log(`${stage.padEnd(16)} ${`${s.queuedP50} / ${s.queuedP99}`.padEnd(20)} ${s.handledP50} / ${s.handledP99}`);
    }
    prompts.length = 0;
  }
  await app.close();

  // 3. Baseline: the same prompts generated directly through node-llama-cpp, one after another, same settings.
  const baseline = await directBaseline(allPrompts, config.llm);
  const ratios = Object.fromEntries(LEVELS.map((n) => [n, round(levelTokensPerSec[n] / baseline.tokensPerSec, 3)]));
  const ratio = Math.min(...Object.values(ratios));
  log(`\n## Baseline: the same ${baseline.prompts} prompts straight through node-llama-cpp (LlamaChat), one after another`);
  log(`${baseline.tokens} tokens in ${round(baseline.wallS)} s → ${round(baseline.tokensPerSec)} tokens/s`);
  log(`ratio pipeline tokens/s ÷ direct tokens/s: ${LEVELS.map((n) => `${n} sessions ${ratios[n]}`).join(', ')}`);

  console.log(
    JSON.stringify({
      bench: 'pipeline',
      transport: 'in-process',
      maxTokens: MAX_TOKENS,
      transportHopMs: { p50: hop.p50, p99: hop.p99 },
      transportPipelinedRecordsPerSec: Math.round(overhead.pipelinedPerSec),
      levels,
      direct: { tokensPerSec: round(baseline.tokensPerSec), prompts: baseline.prompts },
      ratios,
      ratio,
    }),
  );
  process.exit(0);
}

async function runLevel(url: string, sessions: number): Promise<Measured[]> {
  return Promise.all(Array.from({ length: sessions }, (_, i) => askOnce(url, QUESTIONS[i % QUESTIONS.length])));
}

async function askOnce(url: string, text: string): Promise<Measured> {
  const { sessionId, token } = (await (await fetch(`${url}/api/sessions`, { method: 'POST' })).json()) as { sessionId: string; token: string };
  const socket = io(`${url}/chat`, { auth: { token }, transports: ['websocket'] });
  try {
    return await new Promise<Measured>((resolve, reject) => {
      let firstChunkAt = 0;
      let sentAt = 0;
      socket.on('chat:chunk', () => (firstChunkAt ||= performance.now()));
      socket.on('chat:error', (e: { code: string }) => reject(new Error(`chat:error ${e.code}`)));
      socket.on('chat:done', (done: ChatDoneEvent) => resolve({ done, sentAt, firstChunkAt: firstChunkAt || performance.now(), doneAt: performance.now() }));
      socket.on('connect', () => {
        sentAt = performance.now();
        socket.emit('chat:send', { sessionId, clientMessageId: 'bench', text }, (ack: { ok: boolean }) => {
          if (!ack.ok) reject(new Error(`send refused: ${JSON.stringify(ack)}`));
        });
      });
    });
  } finally {
    socket.close();
  }
}

async function directBaseline(prompts: Array<{ messages: LlmMessage[]; maxTokens: number }>, llm: { LLM_MODEL_PATH: string; LLM_CONTEXT_SIZE: number; LLM_THREADS: number; LLM_TEMPERATURE: number }) {
  const { getLlama, LlamaChat } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
  const model = await llama.loadModel({ modelPath: llm.LLM_MODEL_PATH });
  const context = await model.createContext({ contextSize: llm.LLM_CONTEXT_SIZE, sequences: 1, threads: llm.LLM_THREADS });
  const chat = new LlamaChat({ contextSequence: context.getSequence() });
  let tokens = 0;
  const started = performance.now();
  for (const p of prompts) {
    const history = p.messages.map((m) =>
      m.role === 'assistant' ? { type: 'model' as const, response: [m.content] } : { type: m.role, text: m.content },
    );
    await chat.generateResponse([...history, { type: 'model', response: [] }], {
      maxTokens: p.maxTokens,
      temperature: llm.LLM_TEMPERATURE,
      onToken: (t) => (tokens += t.length),
    });
  }
  const wallS = (performance.now() - started) / 1000;
  await context.dispose();
  await model.dispose();
  return { prompts: prompts.length, tokens, wallS, tokensPerSec: tokens / wallS };
}

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await fetch(`${url}/health/ready`)).status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('app not ready');
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
