import type { CounterMetric, HistogramMetric, MetricLabelValues } from './metric-instruments';
import { MetricsRegistry, MetricsRegistryOptions } from './metrics-registry';

// Buckets fitted to docs/benchmarks.md: a transport hop is 0.02–7 ms, a pipeline stage 1–50 ms (seconds under
// load), the LLM worker's stage is a whole answer (seconds to minutes when queued); time to first token is 0.5–6 s
// on one thread and over a minute at 64 queued chats; a query's vector or BM25 search is 0.1–11 ms.
const STAGE_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const ANSWER_SECONDS = [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300];
const SEARCH_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const EMBED_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/** Why a record went to the dead-letter topic, as a label: few values, unlike the free-text `x-dlq-reason` header. */
export type DeadLetterReason = 'invalid' | 'handler_failed' | 'no_handler';

/**
 * Every metric Relay exports, defined once per process (docs/operations.md explains each). Stages are given this
 * object (Nest provider `RelayMetrics`, from the transport) and record through its instruments; they never see
 * prom-client. In the embedded default the three apps share it, so GET /metrics lists each metric once.
 */
export class RelayMetrics {
  readonly registry: MetricsRegistry;

  // Transport: every stage, in-process and Kafka alike (recorded by the RecordDispatcher).
  readonly stageRecords: CounterMetric<'stage' | 'outcome'>;
  readonly stageHandlerFailures: CounterMetric<'stage'>;
  readonly stageRetries: CounterMetric<'stage'>;
  readonly deadLetters: CounterMetric<'stage' | 'reason'>;
  readonly stageHandlingSeconds: HistogramMetric<'stage'>;
  readonly stageQueueSeconds: HistogramMetric<'stage'>;
  readonly stageExpired: CounterMetric<'stage'>;

  // LLM worker.
  readonly timeToFirstTokenSeconds: HistogramMetric<'model'>;
  readonly answerSeconds: HistogramMetric<'model' | 'outcome'>;
  readonly answers: CounterMetric<'model' | 'outcome'>;
  readonly generatedTokens: CounterMetric<'model'>;
  readonly promptTokens: CounterMetric<'model'>;

  // Pipeline.
  readonly embedderBatchSize: HistogramMetric;
  readonly embedderBatchSeconds: HistogramMetric;
  readonly searchSeconds: HistogramMetric<'index'>;
  readonly documentsIngested: CounterMetric<'outcome'>;
  readonly chunksIngested: CounterMetric;
  readonly profanity: CounterMetric<'outcome'>;

  // Gateway.
  readonly refusals: CounterMetric<'surface' | 'code'>;
  readonly abandonedAnswers: CounterMetric;

  constructor(options: MetricsRegistryOptions = {}) {
    const r = (this.registry = new MetricsRegistry(options));
    this.stageRecords = r.counter('relay_stage_records_total', 'Records a stage finished with, by outcome: handled, or dead_lettered (after its retries, or unprocessable).', ['stage', 'outcome']);
    this.stageHandlerFailures = r.counter('relay_stage_handler_failures_total', 'Handler attempts that threw (each is retried or dead-lettered).', ['stage']);
    this.stageRetries = r.counter('relay_stage_retries_total', 'Retries of a record after its handler threw.', ['stage']);
    this.deadLetters = r.counter('relay_dead_letters_total', 'Records published to chat.dlq, by stage and reason (invalid, handler_failed, no_handler).', ['stage', 'reason']);
    this.stageHandlingSeconds = r.histogram('relay_stage_handling_duration_seconds', 'Time in a stage handler, per successful attempt.', ['stage'], STAGE_SECONDS);
    this.stageQueueSeconds = r.histogram('relay_stage_queue_duration_seconds', 'Time from publish to the handler starting (transport and queueing).', ['stage'], STAGE_SECONDS);
    this.stageExpired = r.counter('relay_stage_expired_total', 'Records a stage skipped without working on them because their deadline had passed (the client heard EXPIRED).', ['stage']);

    this.timeToFirstTokenSeconds = r.histogram('relay_llm_time_to_first_token_seconds', 'From the prompt reaching the LLM worker (queue wait included) to its first generated token.', ['model'], ANSWER_SECONDS);
    this.answerSeconds = r.histogram('relay_llm_answer_duration_seconds', 'From the prompt reaching the LLM worker to its last token, by outcome (finish reason).', ['model', 'outcome'], ANSWER_SECONDS);
    this.answers = r.counter('relay_llm_answers_total', 'Answers finished, by outcome (stop, length, cancelled, repetition, error).', ['model', 'outcome']);
    this.generatedTokens = r.counter('relay_llm_generated_tokens_total', 'Tokens the model generated (rate() of it is tokens per second).', ['model']);
    this.promptTokens = r.counter('relay_llm_prompt_tokens_total', 'Prompt tokens the model was given.', ['model']);

    this.embedderBatchSize = r.histogram('relay_embedder_batch_size', 'Texts per embedding model call (micro-batching).', [], BATCH_SIZES);
    this.embedderBatchSeconds = r.histogram('relay_embedder_batch_duration_seconds', 'Time of one embedding model call.', [], EMBED_SECONDS);
    this.searchSeconds = r.histogram('relay_retrieval_search_duration_seconds', 'One search of a query, by index (vector, keyword).', ['index'], SEARCH_SECONDS);
    this.documentsIngested = r.counter('relay_ingested_documents_total', 'Documents the ingestion stage finished, by outcome (indexed, failed, deleted).', ['outcome']);
    this.chunksIngested = r.counter('relay_ingested_chunks_total', 'Chunks written to the indexes by ingestion.');
    this.profanity = r.counter('relay_profanity_messages_total', 'Messages the profanity filter acted on, by outcome (masked, rejected).', ['outcome']);

    this.refusals = r.counter('relay_gateway_refusals_total', 'Requests the gateway refused, by surface (http: REST, socket: Socket.IO events and handshakes) and error code (BUSY, RATE_LIMITED, …).', ['surface', 'code']);
    this.abandonedAnswers = r.counter('relay_gateway_abandoned_answers_total', 'Unfinished answers cancelled because their client left and did not come back within CLIENT_GONE_GRACE_MS.');
  }

  /** Sequences the model generates now and prompts waiting for it, read at scrape time. */
  observeGenerationQueue(read: () => { busy: number; waiting: number }): void {
    this.registry.observedGauge('relay_llm_sequences', 'Sequences the model is generating (busy) and prompts waiting for one (waiting).', ['kind'], () => {
      const { busy, waiting } = read();
      return [[{ kind: 'busy' }, busy], [{ kind: 'waiting' }, waiting]];
    });
  }

  /** Sockets open on this gateway and answers it waits for, read at scrape time. */
  observeGateway(read: () => { sockets: number; answersInFlight: number }): void {
    this.registry.observedGauge('relay_gateway_sockets_connected', 'Socket.IO connections open on this gateway.', [], () => [[{}, read().sockets]]);
    this.registry.observedGauge('relay_gateway_answers_in_flight', 'Messages accepted by this gateway whose answer has not finished.', [], () => [[{}, read().answersInFlight]]);
  }

  /** The in-process broker's records waiting per topic, read at scrape time. */
  observeTransportQueue(read: () => Array<[MetricLabelValues<'topic'>, number]>): void {
    this.registry.observedGauge('relay_transport_queue_depth', 'Records queued in the in-process transport, per topic (not yet handled).', ['topic'], read);
  }

  /** 1 while a component this process hosts is ready (the checks of GET /health/ready), else 0; read at scrape time. */
  observeReadiness(read: () => Array<{ name: string; ready: boolean }>): void {
    this.registry.observedGauge('relay_ready', 'Whether a component this process hosts is ready (1) or not (0), as GET /health/ready reports it.', ['kind'], () =>
      read().map((check) => [{ kind: check.name }, check.ready ? 1 : 0]),
    );
  }

  /** Kafka consumer lag per group, topic and partition (latest offset − committed offset), read at scrape time. */
  observeConsumerLag(read: () => Promise<Array<[MetricLabelValues<'group' | 'topic' | 'partition'>, number]>>): void {
    this.registry.observedGauge('relay_kafka_consumer_lag', 'Records behind the latest offset, per consumer group, topic and partition.', ['group', 'topic', 'partition'], read);
  }
}
