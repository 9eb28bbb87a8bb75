import { waitReady } from './embedded-relay';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { LlmMessage, TOPICS } from '@relay/contracts';
import { parseEnv, readEnvironment } from '@relay/config';
import { CommonConfig, commonConfigSchema } from '@relay/config';
import { createInProcessTransport, createTransport, InProcessBroker, kafkaConfigSchema, RelayTransport } from '@relay/transport';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRelayConfig } from '../apps/relay/src/relay.config';
import { RelayModule } from '../apps/relay/src/relay.module';
import { percentile, round, summary } from './stats';
import { measurePipelineThroughput } from './pipeline-throughput';
import { type ChatRun, chatOnce, GROUNDED_QUESTIONS, measureConcurrentChats, SHORT_PROMPTS } from './concurrent-chats';
import { measureMetricsOverhead } from './metrics-overhead';
import { measureTracingOverhead } from './tracing-overhead';
import { measureTransportOverhead } from './transport-overhead';

// npm run bench:pipeline [-- --transport kafka --levels 1,16,64 --kafka-levels 1,16 --max-tokens 48 --hops 5000
//                          --queries 320 --skip-chat --concurrency 1,4,16 --only-concurrency --only-metrics-overhead
//                          --metrics-rounds 3]
// --only-concurrency runs only the "many chats at once" phase (concurrent-chats.ts); --only-metrics-overhead only the
// metrics on/off comparison (metrics-overhead.ts); --only-tracing-overhead only the tracing off/on comparison
// (tracing-overhead.ts; --tracing-rounds N, default 2).
// --transport kafka runs everything on the in-process transport and, beside it, on a real Kafka broker: the
// project's own (scripts/kafka.mjs, on port 19092 with its own data, cleaned afterwards), or KAFKA_BROKERS if set.
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const LEVELS = arg('levels', '1,16,64').split(',').map(Number);
const MAX_TOKENS = Number(arg('max-tokens', '48'));
const HOPS = Number(arg('hops', '5000'));
const WITH_KAFKA = arg('transport', 'in-process').split(',').includes('kafka');
const KAFKA_LEVELS = arg('kafka-levels', '1,16').split(',').map(Number);
const QUERIES = Number(arg('queries', '320'));
const PIPELINE_SESSIONS = 64;
const SKIP_CHAT = process.argv.includes('--skip-chat');
const CONCURRENCY = arg('concurrency', '1,4,16').split(',').map(Number);
const ONLY_CONCURRENCY = process.argv.includes('--only-concurrency');
const ONLY_METRICS_OVERHEAD = process.argv.includes('--only-metrics-overhead');
const METRICS_ROUNDS = Number(arg('metrics-rounds', '3'));
const ONLY_TRACING_OVERHEAD = process.argv.includes('--only-tracing-overhead');
const TRACING_ROUNDS = Number(arg('tracing-rounds', '2'));
// The in-process transport handles one record per partition at a time: the concurrency phase uses enough partitions
// (and sessions on distinct ones) that the chats wait for the model, not for each other in the transport.
const CONCURRENCY_PARTITIONS = '64';
const BENCH_KAFKA_PORT = '19092';

// The first 16 of the questions the sample knowledge base answers (the figures in docs/benchmarks.md used these).
const QUESTIONS = GROUNDED_QUESTIONS.slice(0, 16);

type Measured = ChatRun;

async function main(): Promise<void> {
  const env = {
    // Every query reaches chat.prompts and the model: the bench measures the stages and the model, and the relevance
    // gate would answer some of its questions "not in your documents" itself (RELEVANCE_GATE=true to include it).
    RELEVANCE_GATE: 'false',
    ...readEnvironment(),
    DATA_DIR: mkdtempSync(join(tmpdir(), 'relay-bench-')),
    LOG_LEVEL: 'error',
    PORT: '3000', // validated but unused: the bench listens on a free port
    HOST: '127.0.0.1',
    AUTH_SECRET: 'bench-secret-bench-secret-bench-secret',
    LLM_MAX_TOKENS: String(MAX_TOKENS),
    TRANSPORT_QUEUE_CAPACITY: '1024',
    CHAT_RATE_BURST: '1000',
    // Every simulated user is a new session from 127.0.0.1: the flood limits per client address must not pace the bench.
    SESSION_CREATE_BURST: '1000000',
    CLIENT_RATE_BURST: '1000000',
    TRANSPORT: 'in-process',
  };
  const config = loadRelayConfig(env);
  const quiet = parseEnv(commonConfigSchema, { ...env, LOG_LEVEL: 'silent' });
  log(`# Relay pipeline benchmark — ${WITH_KAFKA ? 'in-process and Kafka' : 'in-process'}, LLM_MAX_TOKENS=${MAX_TOKENS}, LLM_THREADS=${config.llm.LLM_THREADS}, TRANSPORT_CONCURRENCY=${config.common.TRANSPORT_CONCURRENCY}, TRANSPORT_PARTITIONS=${config.common.TRANSPORT_PARTITIONS}`);

  // Kafka: the bench's own broker unless KAFKA_BROKERS is given; fresh group names so nothing old is replayed.
  const ownBroker = WITH_KAFKA && !process.env.KAFKA_BROKERS;
  const kafkaEnv = { ...env, KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? `localhost:${BENCH_KAFKA_PORT}` };
  if (ownBroker) startBenchBroker();
  let run = 0;
  const kafkaTransport = (app: string, common = quiet): RelayTransport => {
    // Each phase on an empty broker: records an earlier phase left on the topics (prompts the pipeline phase built)
    // would otherwise be read by the next phase's fresh consumer groups, from the beginning, and measured with it.
    if (ownBroker && run > 0) startBenchBroker();
    const kafka = parseEnv(kafkaConfigSchema, { ...kafkaEnv, KAFKA_GROUP_PREFIX: `relay-bench-${process.pid}-${++run}` });
    return createTransport({ ...common, TRANSPORT: 'kafka' }, kafka, app);
  };
  const kafkaSettings = WITH_KAFKA ? parseEnv(kafkaConfigSchema, kafkaEnv) : undefined;
  if (kafkaSettings) {
    const { KAFKA_MAX_WAIT_MS, KAFKA_TOPIC_PARTITIONS, KAFKA_MAX_BUFFERED_PER_PARTITION } = kafkaSettings;
    log(`Kafka ${kafkaEnv.KAFKA_BROKERS}: KAFKA_MAX_WAIT_MS=${KAFKA_MAX_WAIT_MS} KAFKA_TOPIC_PARTITIONS=${KAFKA_TOPIC_PARTITIONS} KAFKA_MAX_BUFFERED_PER_PARTITION=${KAFKA_MAX_BUFFERED_PER_PARTITION}`);
  }
  const result: Record<string, unknown> = { bench: 'pipeline', maxTokens: MAX_TOKENS };
  if (ONLY_CONCURRENCY) {
    result.concurrency = await concurrencyPhase(env, config);
    console.log(JSON.stringify(result));
    process.exit(0);
  }
  if (ONLY_METRICS_OVERHEAD) {
    result.metricsOverhead = await metricsOverheadPhase(quiet, config);
    console.log(JSON.stringify(result));
    process.exit(0);
  }
  if (ONLY_TRACING_OVERHEAD) {
    result.tracingOverhead = await tracingOverheadPhase(quiet, config);
    console.log(JSON.stringify(result));
    process.exit(0);
  }
  try {
    // 1. Each transport alone: one hop, publish → handler start, before any model loads.
    const hops: Record<string, { p50: number; p99: number; pipelinedPerSec: number }> = {};
    for (const [name, make] of transportsToRun(() => createInProcessTransport(quiet), () => kafkaTransport('bench-hop'))) {
      const overhead = await measureTransportOverhead(make(), HOPS);
      const hop = summary(overhead.hopMs);
      hops[name] = { p50: hop.p50, p99: hop.p99, pipelinedPerSec: Math.round(overhead.pipelinedPerSec) };
      log(`\n## ${name} transport, one hop (publish → handler start), ${HOPS} records one at a time`);
      log(`p50 ${hop.p50} ms   p99 ${hop.p99} ms   pipelined ${hops[name].pipelinedPerSec} records/s`);
    }
    result.transportHopMs = hops;

    // 2. Queries/s through pre-processor → prompt builder at 64 sessions, against the same app's embedder alone,
    //    measured just before and after it (so both see the same load on this shared machine).
    const throughput: Record<string, unknown> = {};
    for (const [name, make] of transportsToRun(() => createInProcessTransport(quiet), () => kafkaTransport('bench-pipeline'))) {
      const r = await measurePipelineThroughput(make(), config, QUERIES, PIPELINE_SESSIONS, QUESTIONS);
      const lat = summary(r.latencyMs);
      const stages = Object.fromEntries(
        Object.entries(r.stages).map(([stage, t]) => [stage, { queuedP50: summary(t.queuedMs).p50, handledP50: summary(t.handledMs).p50, handledP99: summary(t.handledMs).p99 }]),
      );
      const ratioToEmbedder = round(r.queriesPerSec / r.embedderAlone.queriesPerSec, 3);
      const embedderAlone = { queriesPerSec: round(r.embedderAlone.queriesPerSec), before: round(r.embedderAlone.before), after: round(r.embedderAlone.after) };
      const cpuMsPerQuery = { embedderAlone: round(r.cpuMsPerQuery.embedderAlone), pipeline: round(r.cpuMsPerQuery.pipeline) };
      throughput[name] = { queriesPerSec: round(r.queriesPerSec), latencyMs: { p50: lat.p50, p99: lat.p99 }, stages, embedderAlone, ratioToEmbedder, cpuMsPerQuery };
      log(`\n## Pipeline on ${name}: ${r.queries} queries, ${r.sessions} sessions → ${round(r.queriesPerSec)} queries/s; chat.queries → chat.prompts p50 ${lat.p50} ms, p99 ${lat.p99} ms`);
      log('stage            queued p50 ms   handled p50/p99 ms');
      for (const [stage, st] of Object.entries(stages)) log(`${stage.padEnd(16)} ${String(st.queuedP50).padEnd(15)} ${st.handledP50} / ${st.handledP99}`);
      log(`Embedder alone, same queries, ${PIPELINE_SESSIONS} callers, just before / after: ${embedderAlone.before} / ${embedderAlone.after} queries/s`);
      log(`${name}: pipeline ÷ embedder alone = ${ratioToEmbedder}; CPU of this process per query: embedder alone ${cpuMsPerQuery.embedderAlone} ms, pipeline ${cpuMsPerQuery.pipeline} ms`);
    }
    result.pipelineThroughput = throughput;

    // 2b. What the Prometheus metrics cost: the hop and the pipeline again, metrics on and off, alternating.
    result.metricsOverhead = await metricsOverheadPhase(quiet, config);
    // 2c. What OpenTelemetry tracing costs: the dispatcher and the pipeline, tracing off and on (exporting), alternating.
    result.tracingOverhead = await tracingOverheadPhase(quiet, config);

    if (!SKIP_CHAT) {
      // 3. Whole chats through the socket: the embedded default, its prompts captured for the direct baseline.
      const embedded = await runChatLevels('in-process', createInProcessTransport(config.common), config, LEVELS, true);
      result.levels = embedded.levels;
      if (WITH_KAFKA) {
        const overKafka = await runChatLevels('kafka', kafkaTransport('relay', config.common), config, KAFKA_LEVELS, false);
        result.kafkaLevels = overKafka.levels;
      }
      // 4. Baseline: the same prompts generated directly through node-llama-cpp, one after another, same settings.
      const baseline = await directBaseline(embedded.prompts, config.llm);
      const ratios = Object.fromEntries(LEVELS.map((n) => [n, round(embedded.tokensPerSec[n] / baseline.tokensPerSec, 3)]));
      log(`\n## Baseline: the same ${baseline.prompts} prompts straight through node-llama-cpp (LlamaChat), one after another`);
      log(`${baseline.tokens} tokens in ${round(baseline.wallS)} s → ${round(baseline.tokensPerSec)} tokens/s`);
      log(`ratio pipeline tokens/s ÷ direct tokens/s: ${LEVELS.map((n) => `${n} sessions ${ratios[n]}`).join(', ')}`);
      Object.assign(result, { direct: { tokensPerSec: round(baseline.tokensPerSec), prompts: baseline.prompts }, ratios, ratio: Math.min(...Object.values(ratios)) });
      result.concurrency = await concurrencyPhase(env, config);
    }
  } finally {
    if (ownBroker) stopBenchBroker();
  }
  if (kafkaSettings) result.kafkaSettings = kafkaSettings && { ...kafkaSettings, KAFKA_SASL_PASSWORD: undefined };
  console.log(JSON.stringify(result));
  process.exit(0);
}

async function metricsOverheadPhase(quiet: CommonConfig, config: ReturnType<typeof loadRelayConfig>) {
  const r = await measureMetricsOverhead(quiet, config, { rounds: METRICS_ROUNDS, hops: HOPS, queries: QUERIES, sessions: PIPELINE_SESSIONS, questions: QUESTIONS });
  const show = (xs: number[]) => xs.map((x) => round(x)).join(', ');
  log(`\n## Metrics overhead, in-process, ${r.rounds} rounds alternating off/on (medians compared, on ÷ off)`);
  log(`hop, pipelined records/s: off ${show(r.hopPerSec.off)} | on ${show(r.hopPerSec.on)} → ratio ${r.ratios.hopPerSec}`);
  log(`pipeline queries/s:       off ${show(r.queriesPerSec.off)} | on ${show(r.queriesPerSec.on)} → ratio ${r.ratios.queriesPerSec}`);
  log(`pipeline CPU ms/query:    off ${show(r.cpuMsPerQuery.off)} | on ${show(r.cpuMsPerQuery.on)} → ratio ${r.ratios.cpuMsPerQuery}`);
  const d = r.dispatch;
  log(`dispatcher alone, CPU µs per record (median of 30 alternating rounds): off ${d.offUs} | on ${d.onUs} → metrics add ${d.addedUs} µs a record`);
  log(`× ${d.stagesPerQuery} stages a query ÷ pipeline CPU per query = ${round(d.shareOfPipelineCpu * 100, 3)} % of the pipeline's CPU`);
  return r;
}

async function tracingOverheadPhase(quiet: CommonConfig, config: ReturnType<typeof loadRelayConfig>) {
  const r = await measureTracingOverhead(quiet, config, { rounds: TRACING_ROUNDS, queries: QUERIES, sessions: PIPELINE_SESSIONS, questions: QUESTIONS });
  const show = (xs: number[]) => xs.map((x) => round(x)).join(', ');
  const d = r.dispatch;
  log(`\n## Tracing overhead, in-process, exporting over OTLP/HTTP (off: no OTEL_EXPORTER_OTLP_ENDPOINT; on: every record traced)`);
  log(`dispatcher alone, CPU µs per record (median of 30 alternating rounds, export included): off ${d.offUs} | on ${d.onUs} → tracing adds ${d.addedUs} µs a record`);
  log(`× ${d.stagesPerQuery} stages a query ÷ pipeline CPU per query = ${round(d.shareOfPipelineCpu * 100, 3)} % of the pipeline's CPU`);
  log(`pipeline queries/s (${r.rounds} rounds): off ${show(r.queriesPerSec.off)} | on ${show(r.queriesPerSec.on)} → ratio ${r.ratios.queriesPerSec}`);
  log(`pipeline CPU ms/query:    off ${show(r.cpuMsPerQuery.off)} | on ${show(r.cpuMsPerQuery.on)} → ratio ${r.ratios.cpuMsPerQuery}; ${r.spansExported} spans exported`);
  return r;
}

/** Many chats at once (1, 4, 16), with short prompts (no sources) and with retrieval from the sample knowledge base. */
async function concurrencyPhase(env: Record<string, string | undefined>, config: ReturnType<typeof loadRelayConfig>) {
  const phaseEnv = { ...env, TRANSPORT_PARTITIONS: CONCURRENCY_PARTITIONS };
  log(`\n## Many chats at once: ${CONCURRENCY.join(', ')} chats sent together, ${config.llm.LLM_MODEL_PATH}, LLM_MAX_TOKENS=${MAX_TOKENS}, LLM_THREADS=${config.llm.LLM_THREADS}, TRANSPORT_PARTITIONS=${CONCURRENCY_PARTITIONS} (sessions on distinct partitions)`);
  const short = await measureConcurrentChats('no retrieval', { ...phaseEnv, RETRIEVER_TOP_K: '0' }, CONCURRENCY, SHORT_PROMPTS, log);
  const grounded = await measureConcurrentChats('with retrieval', phaseEnv, CONCURRENCY, GROUNDED_QUESTIONS, log);
  return { noRetrieval: short, withRetrieval: grounded };
}

function transportsToRun(inProcess: () => RelayTransport, kafka: () => RelayTransport): Array<[string, () => RelayTransport]> {
  return WITH_KAFKA ? [['in-process', inProcess], ['kafka', kafka]] : [['in-process', inProcess]];
}

/** The whole app (gateway, pipeline, LLM worker) on `transport`, chats over Socket.IO at each concurrency level. */
async function runChatLevels(name: string, transport: RelayTransport, config: ReturnType<typeof loadRelayConfig>, levelsToRun: number[], capturePrompts: boolean) {
  const app = await NestFactory.create(RelayModule.forRoot(config, transport), { logger: ['error'] });
  app.connectMicroservice({ strategy: transport.server }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  await waitReady(url);
  const prompts: Array<{ messages: LlmMessage[]; maxTokens: number }> = [];
  if (capturePrompts) {
    // A second consumer group on chat.prompts keeps the exact prompts for the direct baseline.
    app.get(InProcessBroker).subscribe(TOPICS.prompts, 'bench-capture', async (record) => {
      const { payload } = JSON.parse(record.value) as { payload: { messages: LlmMessage[]; maxTokens: number } };
      prompts.push({ messages: payload.messages, maxTokens: payload.maxTokens });
    });
  }
  await runLevel(url, 2); // warm-up
  prompts.length = 0;

  const levels: Record<string, unknown> = {};
  const tokensPerSec: Record<number, number> = {};
  const allPrompts: typeof prompts = [];
  for (const n of levelsToRun) {
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
    tokensPerSec[n] = level.tokensPerSec;
    allPrompts.push(...prompts);
    log(`\n## ${name}: ${n} concurrent session(s): ${results.length} answers, ${tokens} tokens in ${level.wallS} s → ${level.tokensPerSec} tokens/s`);
    log(`time to first token p50 ${level.ttftMs.p50} ms, p99 ${level.ttftMs.p99} ms; decode p50 ${level.decodeTokensPerSecP50} tokens/s per answer`);
    log('stage            queued p50/p99 ms    handled p50/p99 ms');
    for (const [stage, st] of Object.entries(stages)) {
      log(`${stage.padEnd(16)} ${`${st.queuedP50} / ${st.queuedP99}`.padEnd(20)} ${st.handledP50} / ${st.handledP99}`);
    }
    prompts.length = 0;
  }
  await app.close();
  return { levels, tokensPerSec, prompts: allPrompts };
}

function kafkaScript(...args: string[]): void {
  execFileSync(process.execPath, [join(__dirname, '../../scripts/kafka.mjs'), ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, KAFKA_PORT: BENCH_KAFKA_PORT, KAFKA_CACHE_DIR: '.cache/kafka-bench' },
  });
}

function startBenchBroker(): void {
  kafkaScript('stop', '--clean'); // no topics or offsets left from an earlier run
  kafkaScript('start');
}

function stopBenchBroker(): void {
  kafkaScript('stop', '--clean');
}

async function runLevel(url: string, sessions: number): Promise<Measured[]> {
  return Promise.all(Array.from({ length: sessions }, (_, i) => chatOnce(url, QUESTIONS[i % QUESTIONS.length])));
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


function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
