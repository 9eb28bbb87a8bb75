import { Controller, DynamicModule, Inject, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ChatPrompt, createEnvelope, DEFAULT_COLLECTION_ID, Delivered, RetrievalScope, TOPICS } from '@relay/contracts';
import { EMBEDDER, Embedder } from '@relay/embeddings';
import { ReadinessRegistry } from '@relay/observability';
import { RelayTransport, RpcErrorsPassthroughFilter, TopicPublisher } from '@relay/transport';
import { PipelineAppModule } from '../apps/pipeline/src/pipeline-app.module';

type PipelineAppConfig = Parameters<typeof PipelineAppModule.forRoot>[0];

const CAPTURE = Symbol('CAPTURE');
// Every query may read the sample knowledge base, as an anonymous user of the embedded default may.
const BENCH_SCOPE: RetrievalScope = { collectionIds: [DEFAULT_COLLECTION_ID], excludedDocumentIds: [] };
type Capture = (prompt: Delivered<ChatPrompt>) => void;

/** Stands where the LLM worker would: sees every built prompt (on Kafka in a group of its own, from now on). */
@Controller()
class PromptCapture {
  constructor(@Inject(CAPTURE) private readonly capture: { onPrompt: Capture }) {}

  @EventPattern(TOPICS.prompts, { stage: 'bench-capture', delivery: 'every-replica' })
  handle(@Payload() prompt: Delivered<ChatPrompt>): void {
    this.capture.onPrompt(prompt);
  }
}

/**
 * Stands where the gateway would: reads chat.responses (accepted, sources, status…) and drops them. Without a reader
 * the in-process topic fills to TRANSPORT_QUEUE_CAPACITY and every stage that publishes to it waits for room: the
 * bench stalled after ~220 queries once the stages began reporting status there.
 */
@Controller()
class ResponseSink {
  @EventPattern(TOPICS.responses, { stage: 'bench-responses', delivery: 'every-replica' })
  handle(): void {}
}

@Module({})
class CaptureModule {
  static forRoot(capture: { onPrompt: Capture }): DynamicModule {
    return { module: CaptureModule, controllers: [PromptCapture, ResponseSink], providers: [{ provide: CAPTURE, useValue: capture }] };
  }
}

export interface ThroughputResult {
  queries: number;
  sessions: number;
  wallS: number;
  queriesPerSec: number;
  /** chat.queries published → chat.prompts received, per query. */
  latencyMs: number[];
  /** Per stage: time queued before its handler started, and time in the handler, per query. */
  stages: Record<string, { queuedMs: number[]; handledMs: number[] }>;
  /**
   * The yardstick: the same app's embedder alone (same worker, same queries, `sessions` callers), measured just before
   * and just after the pipeline, so that both see the same load on the machine. Mean and the two runs.
   */
  embedderAlone: { queriesPerSec: number; before: number; after: number };
  /**
   * CPU time of this whole process (every thread) per query: the embedder alone (its first run) and the pipeline. On
   * a machine shared with other work the pipeline gets about the CPU share the embedder alone got, so the ratio of
   * queries/s tends to embedder ÷ pipeline here; on an idle machine the pipeline's threads can use more cores.
   */
  cpuMsPerQuery: { embedderAlone: number; pipeline: number };
}

/**
 * Queries per second through pre-processor → embedder → retriever → prompt builder on `transport`: `sessions`
 * sessions, each sending its next query as soon as the prompt of the previous one is built (a closed loop, so the
 * slowest stage sets the pace), until `queries` prompts are out. Queries go straight onto chat.queries, as the
 * gateway publishes them.
 */
export async function measurePipelineThroughput(transport: RelayTransport, config: PipelineAppConfig, queries: number, sessions: number, texts: string[]): Promise<ThroughputResult> {
  const capture: { onPrompt: Capture } = { onPrompt: () => undefined };
  const app = await NestFactory.create(
    { module: class BenchPipeline {}, imports: [PipelineAppModule.forRoot(config, transport), CaptureModule.forRoot(capture)] },
    { logger: ['error'] },
  );
  app.useGlobalFilters(new RpcErrorsPassthroughFilter(app.getHttpAdapter()));
  app.connectMicroservice({ strategy: transport.server }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.init();
  // Steady state only: the knowledge base is indexed in the background at start-up (every chunk through the same
  // embedder, on the same event loop), and measuring while it runs compares a busy pipeline with an idle embedder.
  await waitUntilReady(app.get(ReadinessRegistry));
  const embedder = app.get<Embedder>(EMBEDDER);
  const publisher = app.get(TopicPublisher);
  const sentAt = new Map<string, number>();
  const latencyMs: number[] = [];
  const stages: ThroughputResult['stages'] = {};
  let sent = 0;
  let allDone: () => void = () => undefined;
  const finished = new Promise<void>((r) => (allDone = r));

  const sendNext = (session: number) => {
    if (sent >= queries) return;
    const i = sent++;
    const envelope = createEnvelope({
      sessionId: `bench-session-${session}`,
      payload: { userId: 'bench', clientMessageId: `q${i}`, text: texts[i % texts.length], history: [], scope: BENCH_SCOPE },
    });
    sentAt.set(envelope.messageId, performance.now());
    void publisher.publish(TOPICS.queries, envelope);
  };

  // Warm up every stage (and, on Kafka, the groups): first until one prompt comes through (a fresh group reads from
  // its join on), then one query per session, untimed.
  const warmQuery = (s: number, tag: string) =>
    publisher.publish(
      TOPICS.queries,
      createEnvelope({ sessionId: `bench-session-${s}`, payload: { userId: 'bench', clientMessageId: `${tag}${s}`, text: texts[s % texts.length], history: [], scope: BENCH_SCOPE } }),
    );
  let seen = 0;
  capture.onPrompt = () => void seen++;
  for (let attempt = 0; seen === 0; attempt++) {
    if (attempt === 60) throw new Error('no prompt came through the pipeline within 60 s');
    await warmQuery(0, `probe${attempt}-`);
    for (let t = 0; t < 20 && seen === 0; t++) await new Promise((r) => setTimeout(r, 50));
  }
  let warm = 0;
  capture.onPrompt = () => void (++warm === sessions && allDone());
  for (let s = 0; s < sessions; s++) void warmQuery(s, 'w');
  await finished;

  const measured = new Promise<void>((r) => (allDone = r));
  capture.onPrompt = (prompt) => {
    const started = sentAt.get(prompt.messageId);
    if (started === undefined) return;
    sentAt.delete(prompt.messageId);
    latencyMs.push(performance.now() - started);
    for (const t of prompt.timings) {
      stages[t.stage] ??= { queuedMs: [], handledMs: [] };
      stages[t.stage].queuedMs.push(t.queuedMs);
      stages[t.stage].handledMs.push(t.handledMs);
    }
    if (latencyMs.length === queries) allDone();
    else sendNext(Number(prompt.sessionId.slice('bench-session-'.length)));
  };
  const cpuAtStart = process.cpuUsage();
  const before = await embedderAloneQueriesPerSec(embedder, queries, sessions, texts);
  const cpuBetween = process.cpuUsage();
  const started = performance.now();
  for (let s = 0; s < sessions; s++) sendNext(s);
  await measured;
  const wallS = (performance.now() - started) / 1000;
  const cpuPipeline = process.cpuUsage(cpuBetween);
  const cpuEmbedder = process.cpuUsage(cpuAtStart);
  const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
  const cpuMsPerQuery = { embedderAlone: (cpuMs(cpuEmbedder) - cpuMs(cpuPipeline)) / queries, pipeline: cpuMs(cpuPipeline) / queries };
  const after = await embedderAloneQueriesPerSec(embedder, queries, sessions, texts);
  await app.close();
  const embedderAlone = { queriesPerSec: (before + after) / 2, before, after };
  return { queries, sessions, wallS, queriesPerSec: queries / wallS, latencyMs, stages, embedderAlone, cpuMsPerQuery };
}

/** `sessions` callers embedding one query each at a time, straight through the embedder port, until `queries` are done. */
async function embedderAloneQueriesPerSec(embedder: Embedder, queries: number, sessions: number, texts: string[]): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: sessions }, async () => {
      while (next < queries) {
        const i = next++;
        await embedder.embed([texts[i % texts.length]]);
      }
    }),
  );
  return queries / ((performance.now() - started) / 1000);
}

async function waitUntilReady(readiness: ReadinessRegistry, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const waiting = readiness.report().filter((c) => !c.ready);
    if (waiting.length === 0) return;
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms: ${waiting.map((c) => c.name).join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
