import { startEmbeddedRelay, waitReady } from './embedded-relay';
import { ChatDoneEvent } from '@relay/contracts';
import { partitionOf } from '@relay/transport';
import { io } from 'socket.io-client';
import { loadRelayConfig } from '../apps/relay/src/relay.config';
import { percentile, round } from './stats';

// The "many chats at once" phase of bench:pipeline: 1, 4 and 16 chats sent together through the whole embedded app
// (gateway, pipeline, LLM worker with batched decoding), with short prompts (no sources) and with retrieval.

type RelayConfig = ReturnType<typeof loadRelayConfig>;

/**
 * One question per chat, never asked twice in a run: a question asked again would find its whole prompt in a
 * sequence's cache and answer at once, which is not what a new chat sees. 2 warm-up + 1 + 4 + 16 = 23 of them.
 * Without sources, questions about Relay get a short "I do not know"; these ask for descriptions, so every answer
 * runs to the token limit and tokens per second compare like with like.
 */
export const SHORT_PROMPTS = [
  'giraffe', 'volcano', 'saxophone', 'lighthouse', 'cactus', 'umbrella', 'penguin', 'tornado', 'glacier', 'violin', 'submarine', 'windmill',
  'octopus', 'desert', 'telescope', 'waterfall', 'bicycle', 'rainforest', 'hedgehog', 'canyon', 'kayak', 'beehive', 'harbour', 'comet',
].map((thing) => `Describe a ${thing} in three sentences.`);

/** Questions the sample knowledge base (docs/) answers, for the phase with retrieval. */
export const GROUNDED_QUESTIONS = [
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
  'How does a client resume after a dropped connection?',
  'What is the profanity filter policy?',
  'How many partitions does each topic have?',
  'How do I upload a PDF?',
  'What does the retriever do?',
  'How do I start Kafka for development?',
  'What is the rate limit per socket?',
  'How are chunks of a document sized?',
];

/** One chat's timeline, as the client saw it. */
export interface ChatRun {
  sentAt: number;
  firstChunkAt: number;
  doneAt: number;
  done: ChatDoneEvent;
}

export interface ConcurrencyLevel {
  chats: number;
  wallS: number;
  completionTokens: number;
  /** Answers that ran to LLM_MAX_TOKENS (the rest stopped on their own, shorter). */
  answersAtLimit: number;
  tokensPerSec: number;
  /**
   * CPU seconds the whole app (all its threads) used during the level, and tokens per CPU second: unlike tokens per
   * second, this does not change when other work on the machine takes CPU from the app.
   */
  cpuS: number;
  tokensPerCpuSec: number;
  ttftMs: { p50: number; p99: number };
  /** Where each chat's time to first token went, p50 over the chats. */
  breakdownP50Ms: { pipeline: number; llmQueue: number; promptRead: number };
  generationMsP50: number;
  promptTokensP50: number;
  cachedPromptTokensP50: number;
}

export interface ConcurrencyPhase {
  mode: string;
  levels: ConcurrencyLevel[];
  /** Each level against one chat, in the same run. */
  ratios: Array<{ chats: number; tokensPerSec: number; tokensPerCpuSec: number; ttftP99: number }>;
}

/** Starts the embedded app with `env`, warms it up, then sends `levels` chats at once, one level after another. */
export async function measureConcurrentChats(
  mode: string,
  env: Record<string, string | undefined>,
  levels: number[],
  questionList: string[],
  log: (line: string) => void,
): Promise<ConcurrencyPhase> {
  const config: RelayConfig = loadRelayConfig(env);
  const { app, url } = await startEmbeddedRelay(config);
  const partitions = config.common.TRANSPORT_PARTITIONS;
  try {
    await waitReady(url);
    let asked = 0;
    const nextQuestion = () => questionList[asked++ % questionList.length];
    await Promise.all([nextQuestion(), nextQuestion()].map((q) => chatOnce(url, q))); // warm-up
    const results: ConcurrencyLevel[] = [];
    for (const n of levels) {
      const sessions = await sessionsOnDistinctPartitions(url, n, partitions);
      const questions = sessions.map(nextQuestion);
      const started = performance.now();
      const cpuAtStart = process.cpuUsage();
      const runs = await Promise.all(sessions.map((s, i) => chatOnce(url, questions[i], s)));
      const wallS = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuAtStart);
      const level = summarise(n, wallS, (cpu.user + cpu.system) / 1e6, runs);
      results.push(level);
      log(
        `${mode}, ${n} chat(s) at once: ${level.completionTokens} tokens (${level.answersAtLimit} of ${n} answers at the limit) in ${level.wallS} s → ${level.tokensPerSec} tokens/s ` +
          `(${level.tokensPerCpuSec} per CPU second, ${level.cpuS} CPU s); ` +
          `TTFT p50 ${level.ttftMs.p50} ms, p99 ${level.ttftMs.p99} ms; TTFT p50 = pipeline ${level.breakdownP50Ms.pipeline} + LLM queue ${level.breakdownP50Ms.llmQueue} + prompt reading ${level.breakdownP50Ms.promptRead} ms; ` +
          `prompt ${level.promptTokensP50} tokens, ${level.cachedPromptTokensP50} reused (p50); writing p50 ${level.generationMsP50} ms`,
      );
    }
    const one = results.find((r) => r.chats === 1) ?? results[0];
    const ratios = results.map((r) => ({
      chats: r.chats,
      tokensPerSec: round(r.tokensPerSec / one.tokensPerSec),
      tokensPerCpuSec: round(r.tokensPerCpuSec / one.tokensPerCpuSec),
      ttftP99: round(r.ttftMs.p99 / one.ttftMs.p99),
    }));
    log(`${mode}, against one chat: ${ratios.map((r) => `${r.chats} chats ${r.tokensPerSec}× tokens/s (${r.tokensPerCpuSec}× per CPU second), ${r.ttftP99}× TTFT p99`).join('; ')}`);
    return { mode, levels: results, ratios };
  } finally {
    await app.close();
  }
}

function summarise(chats: number, wallS: number, cpuS: number, runs: ChatRun[]): ConcurrencyLevel {
  const tokens = runs.reduce((s, r) => s + r.done.usage.completionTokens, 0);
  const p50 = (values: number[]) => round(percentile(values, 50));
  // Everything before the LLM worker took the prompt up: each hop's wait in the transport (up to and including the
  // one into the worker) and the time of each pipeline stage.
  const beforeWorker = (r: ChatRun) =>
    r.done.timings.stages.filter((s) => s.stage !== 'gateway').reduce((sum, s) => sum + s.queuedMs + (s.stage === 'llm-worker' ? 0 : s.handledMs), 0);
  const pipeline = runs.map(beforeWorker);
  const model = runs.map((r) => r.done.timings.model ?? { queuedMs: 0, promptMs: 0, generationMs: 0, cachedPromptTokens: 0 });
  const ttft = runs.map((r) => r.firstChunkAt - r.sentAt);
  return {
    chats,
    wallS: round(wallS),
    completionTokens: tokens,
    answersAtLimit: runs.filter((r) => r.done.finishReason === 'length').length,
    tokensPerSec: round(tokens / wallS),
    cpuS: round(cpuS),
    tokensPerCpuSec: round(tokens / cpuS),
    ttftMs: { p50: p50(ttft), p99: round(percentile(ttft, 99)) },
    breakdownP50Ms: { pipeline: p50(pipeline), llmQueue: p50(model.map((m) => m.queuedMs)), promptRead: p50(model.map((m) => m.promptMs)) },
    generationMsP50: p50(model.map((m) => m.generationMs)),
    promptTokensP50: p50(runs.map((r) => r.done.usage.promptTokens)),
    cachedPromptTokensP50: p50(model.map((m) => m.cachedPromptTokens)),
  };
}

/**
 * Sessions whose chats fall on different partitions. The in-process transport still handles one record per
 * partition at a time, so two of the chats on one partition would wait for each other in the transport whatever the
 * model does; this phase measures the model (see docs/benchmarks.md).
 */
async function sessionsOnDistinctPartitions(url: string, n: number, partitions: number): Promise<Array<{ sessionId: string; token: string }>> {
  const taken = new Set<number>();
  const found: Array<{ sessionId: string; token: string }> = [];
  for (let tries = 0; found.length < n; tries++) {
    const session = (await (await fetch(`${url}/api/sessions`, { method: 'POST' })).json()) as { sessionId: string; token: string };
    const partition = partitionOf(session.sessionId, partitions);
    if (taken.has(partition) && tries < 50 * n) continue;
    taken.add(partition);
    found.push(session);
  }
  return found;
}

/** Asks one question over Socket.IO (in a new session unless one is given) and waits for its chat:done. */
export async function chatOnce(url: string, text: string, session?: { sessionId: string; token: string }): Promise<ChatRun> {
  const { sessionId, token } = session ?? ((await (await fetch(`${url}/api/sessions`, { method: 'POST' })).json()) as { sessionId: string; token: string });
  const socket = io(`${url}/chat`, { auth: { token }, transports: ['websocket'] });
  try {
    return await new Promise<ChatRun>((resolve, reject) => {
      let sentAt = 0;
      let firstChunkAt = 0;
      socket.on('chat:chunk', () => (firstChunkAt ||= performance.now()));
      socket.on('chat:error', (e: { code: string }) => reject(new Error(`chat:error ${e.code}`)));
      socket.on('chat:done', (done: ChatDoneEvent) => resolve({ sentAt, firstChunkAt: firstChunkAt || performance.now(), doneAt: performance.now(), done }));
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

