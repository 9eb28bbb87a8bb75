import { Controller, DynamicModule, Inject, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ChatPrompt, createEnvelope, DEFAULT_COLLECTION_ID, Delivered, RetrievalScope, TOPICS } from '@relay/contracts';
import { EMBEDDER, Embedder, EmbeddingsConfig, EmbeddingsModule } from '@relay/embeddings';
import { ObservabilityModule } from '@relay/observability';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

@Module({})
class CaptureModule {
  static forRoot(capture: { onPrompt: Capture }): DynamicModule {
    return { module: CaptureModule, controllers: [PromptCapture], providers: [{ provide: CAPTURE, useValue: capture }] };
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
  const started = performance.now();
  for (let s = 0; s < sessions; s++) sendNext(s);
  await measured;
  const wallS = (performance.now() - started) / 1000;
  await app.close();
  return { queries, sessions, wallS, queriesPerSec: queries / wallS, latencyMs, stages };
}

/** The embedder alone, the stage expected to set the pace: `sessions` callers embedding one query each at a time. */
export async function measureEmbedderOnly(config: EmbeddingsConfig, queries: number, sessions: number, texts: string[]): Promise<{ queriesPerSec: number }> {
  const context = await NestFactory.createApplicationContext(
    { module: class BenchEmbedder {}, imports: [ObservabilityModule.forRoot({ auditLogPath: join(tmpdir(), 'relay-bench-audit.jsonl') }), EmbeddingsModule.forRoot(config)] },
    { logger: ['error'] },
  );
  await context.init();
  const embedder = context.get<Embedder>(EMBEDDER);
  for (let i = 0; i < 8; i++) await embedder.embed([texts[i % texts.length]]); // warm-up
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
  const queriesPerSec = queries / ((performance.now() - started) / 1000);
  await context.close();
  return { queriesPerSec };
}
