import {
  CORRELATION_HEADER,
  DEAD_LETTER_HEADERS,
  Delivered,
  EnvelopedTopic,
  envelopeSchema,
  isEnvelopedTopic,
  nowMs,
  TOPIC_PAYLOAD_SCHEMAS,
  TOPICS,
  TRACEPARENT_HEADER,
} from '@relay/contracts';
import { contextFromTraceparent, CorrelationContext, DeadLetterReason, RelayMetrics, setSpanAttributes, setSpanOutcome, SPAN_ATTRIBUTES, tracingEnabled, withSpan } from '@relay/observability';
import { SpanKind } from '@opentelemetry/api';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TransportRecord } from '../transport-record';
import { backoffDelayMs, RetryPolicy } from './retry-policy';

/** The handler a record is routed to. `stage` names it in dead letters and logs. */
export interface DeliveryTarget {
  stage: string;
  /** False for a stage that records its own spans (the gateway's answers: one span per answer, not per chunk). */
  traced?: boolean;
  handle(message: Delivered<unknown> | TransportRecord, record: TransportRecord): Promise<void>;
}

export interface DispatcherLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

// Built once per topic: building a zod schema is far costlier than using one.
const envelopeSchemas = new Map<EnvelopedTopic, ReturnType<typeof envelopeSchema>>();
function envelopeSchemaOf(topic: EnvelopedTopic) {
  let schema = envelopeSchemas.get(topic);
  if (!schema) {
    schema = envelopeSchema(TOPIC_PAYLOAD_SCHEMAS[topic]);
    envelopeSchemas.set(topic, schema);
  }
  return schema;
}

/** Why a record could not be processed, as written into the dead letter's `x-dlq-reason` header. */
class Unprocessable extends Error {}

/**
 * Delivers one record to its handler with the guarantees Relay promises on any transport: the record is parsed and
 * validated against its topic's schema, the correlation id is restored for logging, a failing handler is retried
 * with backoff, and a record that still fails (or can never succeed) goes to `chat.dlq` with the reason. It never
 * throws, so a bad record can't block its partition.
 */
export class RecordDispatcher {
  constructor(
    private readonly retry: RetryPolicy,
    private readonly publishDeadLetter: (record: TransportRecord) => Promise<void>,
    private readonly logger: DispatcherLogger,
    /** Every stage's records, failures, retries, dead letters and timings are counted here, on any transport. */
    private readonly metrics: RelayMetrics = new RelayMetrics({ enabled: false }),
  ) {}

  async dispatch(record: TransportRecord, target: DeliveryTarget | undefined): Promise<void> {
    const correlationId = record.headers[CORRELATION_HEADER] ?? 'unknown';
    await CorrelationContext.run({ correlationId, topic: record.topic }, async () => {
      if (!target) return this.deadLetter(record, `no handler for topic ${record.topic}`, 'none', 0, 'no_handler');
      // The dead-letter topic's records are raw: its consumers get them as they are.
      if (record.topic === TOPICS.deadLetters) return this.deliverRaw(record, target);

      let message: Delivered<unknown>;
      try {
        message = this.parse(record);
      } catch (err) {
        return this.traced(record, target, undefined, () => this.deadLetter(record, (err as Error).message, target.stage, 0, 'invalid'));
      }
      return this.traced(record, target, message, () => this.deliver(record, target, message));
    });
  }

  /**
   * One span per record a stage handles, continuing the publisher's trace (the `traceparent` header, else the
   * envelope's), so a message's stages form one trace across processes. Tracing off: just `work`.
   */
  private traced(record: TransportRecord, target: DeliveryTarget, message: Delivered<unknown> | undefined, work: () => Promise<void>): Promise<void> {
    if (!tracingEnabled() || target.traced === false) return work();
    const parent = contextFromTraceparent(record.headers[TRACEPARENT_HEADER] ?? message?.traceparent);
    const attributes = {
      [SPAN_ATTRIBUTES.stage]: target.stage,
      [SPAN_ATTRIBUTES.topic]: record.topic,
      [SPAN_ATTRIBUTES.correlationId]: message?.correlationId ?? record.headers[CORRELATION_HEADER] ?? 'unknown',
      ...(message && { [SPAN_ATTRIBUTES.messageId]: message.messageId, [SPAN_ATTRIBUTES.sessionId]: message.sessionId }),
    };
    return withSpan(target.stage, { parent, attributes, kind: SpanKind.CONSUMER }, () => work());
  }

  private async deliver(record: TransportRecord, target: DeliveryTarget, message: Delivered<unknown>): Promise<void> {
    const stage = { stage: target.stage };
    if (message.sentAt > 0) this.metrics.stageQueueSeconds.observe(stage, Math.max(0, nowMs() - message.sentAt) / 1000);
    const fields = CorrelationContext.current()!;
    fields.correlationId = message.correlationId;
    fields.messageId = message.messageId;
    fields.sessionId = message.sessionId;

    for (let attempt = 1; ; attempt++) {
      try {
        message.receivedAt = nowMs();
        await target.handle(message, record);
        if (attempt > 1) setSpanAttributes({ [SPAN_ATTRIBUTES.attempts]: attempt });
        this.metrics.stageHandlingSeconds.observe(stage, (nowMs() - message.receivedAt) / 1000);
        this.metrics.stageRecords.inc({ stage: target.stage, outcome: 'handled' });
        return;
      } catch (err) {
        this.metrics.stageHandlerFailures.inc(stage);
        const reason = err instanceof Error ? err.message : describe(err);
        if (attempt >= this.retry.maxAttempts) {
          setSpanAttributes({ [SPAN_ATTRIBUTES.attempts]: attempt });
          return this.deadLetter(record, reason, target.stage, attempt, 'handler_failed');
        }
        this.metrics.stageRetries.inc(stage);
        const delay = backoffDelayMs(this.retry, attempt + 1);
        this.logger.warn({ stage: target.stage, attempt, delay, err: reason }, 'handler failed; retrying');
        await sleep(delay);
      }
    }
  }

  private parse(record: TransportRecord): Delivered<unknown> {
    if (!isEnvelopedTopic(record.topic)) throw new Unprocessable(`unknown topic ${record.topic}`);
    let json: unknown;
    try {
      json = JSON.parse(record.value);
    } catch {
      throw new Unprocessable('value is not valid JSON');
    }
    const parsed = envelopeSchemaOf(record.topic).safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Unprocessable(`invalid message: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    if (parsed.data.sessionId !== record.key) throw new Unprocessable('record key does not match the envelope sessionId');
    return { ...parsed.data, receivedAt: 0 } as Delivered<unknown>;
  }

  private async deliverRaw(record: TransportRecord, target: DeliveryTarget): Promise<void> {
    try {
      await target.handle(record, record);
    } catch (err) {
      this.logger.error({ stage: target.stage, err: (err as Error).message }, 'dead-letter handler failed');
    }
  }

  private async deadLetter(record: TransportRecord, reason: string, stage: string, attempts: number, why: DeadLetterReason): Promise<void> {
    this.logger.error({ stage, topic: record.topic, attempts, reason }, 'message dead-lettered');
    setSpanOutcome('dead_lettered', why);
    this.metrics.stageRecords.inc({ stage, outcome: 'dead_lettered' });
    this.metrics.deadLetters.inc({ stage, reason: why });
    try {
      await this.publishDeadLetter({
        topic: TOPICS.deadLetters,
        key: record.key,
        value: record.value,
        headers: {
          ...record.headers,
          [DEAD_LETTER_HEADERS.reason]: reason.slice(0, 1000),
          [DEAD_LETTER_HEADERS.topic]: record.topic,
          [DEAD_LETTER_HEADERS.stage]: stage,
          [DEAD_LETTER_HEADERS.attempts]: String(attempts),
          [DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
        },
      });
    } catch (err) {
      // Nothing else can take it: say so loudly, with what finds the record (its topic, key and ids, still on the
      // source topic for a replay) but never its value, which holds the user's text and history.
      this.logger.error(
        { topic: record.topic, key: record.key, headers: record.headers, valueBytes: Buffer.byteLength(record.value), reason: reason.slice(0, 300), err: (err as Error).message },
        'could not publish dead letter',
      );
    }
  }
}

/** A readable reason for a thrown value that is not an Error (some libraries reject with plain objects). */
function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
