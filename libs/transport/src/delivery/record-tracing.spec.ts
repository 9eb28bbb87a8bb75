import { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace';
import { CORRELATION_HEADER, createEnvelope, Delivered, forwardEnvelope, TOPICS, TRACEPARENT_HEADER } from '@relay/contracts';
import { SPAN_ATTRIBUTES, startTracing, TracingHandle, withSpan } from '@relay/observability';
import { InProcessBroker } from '../in-process/in-process-broker';
import { InProcessClient } from '../in-process/in-process.client';
import { headersOf } from '../kafka/kafka-headers';
import { ClientProxyTopicPublisher } from '../topic-publisher';
import type { TransportRecord } from '../transport-record';
import { DeliveryTarget, RecordDispatcher } from './record-dispatcher';

// Tracing is process-wide (one provider, one context manager): this file turns it on once, with the SDK's
// in-memory exporter; tracing-off is tested in a file of its own (libs/observability/src/tracing).
const exporter = new InMemorySpanExporter();
let tracing: TracingHandle;
beforeAll(() => {
  tracing = startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_SERVICE_NAME: 'relay-test', OTEL_TRACES_SAMPLER_ARG: 1 }, 'test', { exporter });
});
afterAll(() => tracing.shutdown());
beforeEach(() => exporter.reset());

const silent = { warn: () => undefined, error: () => undefined };

/**
 * Two stages over the real in-process broker and publisher: `first` (chat.queries) forwards to chat.preprocessed,
 * `second` records what it got. Every record passes through the RecordDispatcher, as in the apps.
 */
function pipeline(options: { failSecond?: boolean } = {}) {
  const broker = new InProcessBroker({ partitions: 2, capacity: 100, concurrency: 4 });
  const publisher = new ClientProxyTopicPublisher(new InProcessClient(broker));
  const deadLetters: TransportRecord[] = [];
  const dispatcher = new RecordDispatcher({ maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 }, async (r) => void deadLetters.push(r), silent);
  const received: TransportRecord[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const first: DeliveryTarget = {
    stage: 'first',
    handle: async (message) => {
      const query = message as Delivered<{ userId: string; clientMessageId: string; text: string; history: []; scope: { collectionIds: [], excludedDocumentIds: [] } }>;
      await publisher.publish(TOPICS.preprocessed, forwardEnvelope(query, 'first', { userId: 'u', text: query.payload.text, history: [], moderation: { action: 'none' }, scope: { collectionIds: [], excludedDocumentIds: [] } }));
    },
  };
  const second: DeliveryTarget = {
    stage: 'second',
    handle: async (_message, record) => {
      received.push(record);
      if (options.failSecond) throw new Error('second broke');
    },
  };
  broker.subscribe(TOPICS.queries, 'g', (r) => dispatcher.dispatch(r, first));
  // Finished once the dispatcher is done with the record: its span has ended.
  broker.subscribe(TOPICS.preprocessed, 'g', async (r) => {
    await dispatcher.dispatch(r, second);
    done();
  });
  return { broker, publisher, received, deadLetters, finished };
}

const query = () =>
  createEnvelope({ sessionId: 's1', correlationId: 'corr-1', payload: { userId: 'u', clientMessageId: 'c1', text: 'hello', history: [], scope: { collectionIds: [], excludedDocumentIds: [] } } });

const byName = (spans: ReadableSpan[], name: string) => {
  const span = spans.find((s) => s.name === name);
  if (!span) throw new Error(`no span ${name} among ${spans.map((s) => s.name).join(', ')}`);
  return span;
};
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('traces across the transport', () => {
  it('links publish → consume → publish → consume into one trace: root, then one child span per stage, in order', async () => {
    const { publisher, finished } = pipeline();
    await withSpan('chat:send', {}, () => publisher.publish(TOPICS.queries, query()));
    await finished;

    const spans = exporter.getFinishedSpans();
    const root = byName(spans, 'chat:send');
    const first = byName(spans, 'first');
    const second = byName(spans, 'second');
    expect(new Set([root, first, second].map((s) => s.spanContext().traceId)).size).toBe(1);
    expect(parentOf(root)).toBeUndefined();
    expect(parentOf(first)).toBe(root.spanContext().spanId);
    expect(parentOf(second)).toBe(first.spanContext().spanId);
    expect(first.attributes).toMatchObject({ [SPAN_ATTRIBUTES.stage]: 'first', [SPAN_ATTRIBUTES.topic]: TOPICS.queries, [SPAN_ATTRIBUTES.correlationId]: 'corr-1', [SPAN_ATTRIBUTES.outcome]: 'ok' });
    expect(second.attributes[SPAN_ATTRIBUTES.topic]).toBe(TOPICS.preprocessed);
    expect(resourceName(second)).toBe('relay-test');
  });

  it('carries the trace context both in the envelope and as the W3C traceparent header, the same value', async () => {
    const { publisher, received, finished } = pipeline();
    await withSpan('chat:send', {}, () => publisher.publish(TOPICS.queries, query()));
    await finished;
    const record = received[0];
    const header = record.headers[TRACEPARENT_HEADER];
    expect(header).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(JSON.parse(record.value).traceparent).toBe(header);
    // It names the span of the stage that published it.
    const first = byName(exporter.getFinishedSpans(), 'first');
    expect(header).toBe(`00-${first.spanContext().traceId}-${first.spanContext().spanId}-01`);
    expect(record.headers[CORRELATION_HEADER]).toBe('corr-1');
  });

  it('continues from the Kafka record header, as kafkajs delivers it (Buffers), when the envelope has none', async () => {
    const { broker, finished } = pipeline();
    const headers = headersOf({ [CORRELATION_HEADER]: Buffer.from('corr-1'), [TRACEPARENT_HEADER]: Buffer.from('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01') });
    await broker.publish({ topic: TOPICS.queries, key: 's1', value: JSON.stringify(query()), headers }, 'wait');
    await finished;
    const first = byName(exporter.getFinishedSpans(), 'first');
    expect(first.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(parentOf(first)).toBe('00f067aa0ba902b7');
  });

  it('continues from the envelope when a record lost its header (e.g. re-published by a tool that copies values only)', async () => {
    const { broker, finished } = pipeline();
    const envelope = { ...query(), traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    await broker.publish({ topic: TOPICS.queries, key: 's1', value: JSON.stringify(envelope), headers: { [CORRELATION_HEADER]: 'corr-1' } }, 'wait');
    await finished;
    const first = byName(exporter.getFinishedSpans(), 'first');
    expect(first.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(parentOf(first)).toBe('b7ad6b7169203331');
  });

  it('ignores a malformed traceparent (header and envelope): the record is delivered and starts a new trace', async () => {
    const { broker, received, deadLetters, finished } = pipeline();
    const envelope = { ...query(), traceparent: 'not-a-trace' };
    const headers = { [CORRELATION_HEADER]: 'corr-1', [TRACEPARENT_HEADER]: '00-zz-garbage-01' };
    await broker.publish({ topic: TOPICS.queries, key: 's1', value: JSON.stringify(envelope), headers }, 'wait');
    await finished;
    expect(deadLetters).toHaveLength(0);
    expect(received).toHaveLength(1);
    const first = byName(exporter.getFinishedSpans(), 'first');
    expect(parentOf(first)).toBeUndefined();
    expect(first.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('marks a record that exhausted its retries as dead_lettered, with an error status, in the same trace', async () => {
    const { publisher, deadLetters, finished } = pipeline({ failSecond: true });
    await withSpan('chat:send', {}, () => publisher.publish(TOPICS.queries, query()));
    await finished;
    const second = byName(exporter.getFinishedSpans(), 'second');
    expect(second.attributes).toMatchObject({ [SPAN_ATTRIBUTES.outcome]: 'dead_lettered', [SPAN_ATTRIBUTES.errorCode]: 'handler_failed', [SPAN_ATTRIBUTES.attempts]: 2 });
    expect(second.status.code).toBe(2); // SpanStatusCode.ERROR
    expect(deadLetters).toHaveLength(1);
    // The dead letter keeps the header, so a replay continues the trace.
    expect(deadLetters[0].headers[TRACEPARENT_HEADER]).toMatch(/^00-/);
  });
});

describe('outcomes a stage reports by its answer', () => {
  it.each([
    ['EXPIRED', 'expired'],
    ['PROFANITY', 'error'],
  ] as const)('marks the span of a stage that answers %s on chat.responses as %s, with the code', async (code, outcome) => {
    const broker = new InProcessBroker({ partitions: 1, capacity: 10, concurrency: 1 });
    const publisher = new ClientProxyTopicPublisher(new InProcessClient(broker));
    const dispatcher = new RecordDispatcher({ maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, async () => undefined, silent);
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const stage: DeliveryTarget = {
      stage: 'answering',
      handle: async (message) => {
        const received = message as Delivered<unknown>;
        await publisher.publish(TOPICS.responses, { ...forwardEnvelope(received, 'answering', { type: 'error' as const, code, message: 'no' }), timings: [] });
      },
    };
    broker.subscribe(TOPICS.queries, 'g', async (r) => {
      await dispatcher.dispatch(r, stage);
      done();
    });
    await publisher.publish(TOPICS.queries, query());
    await finished;
    const span = byName(exporter.getFinishedSpans(), 'answering');
    expect(span.attributes).toMatchObject({ [SPAN_ATTRIBUTES.outcome]: outcome, [SPAN_ATTRIBUTES.errorCode]: code });
  });
});

function resourceName(span: ReadableSpan): unknown {
  return span.resource.attributes['service.name'];
}
