import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { createEnvelope, TOPICS, TRACEPARENT_HEADER } from '@relay/contracts';
import { startTracing, TracingHandle, withSpan } from '@relay/observability';
import { InProcessBroker } from '../in-process/in-process-broker';
import { InProcessClient } from '../in-process/in-process.client';
import { ClientProxyTopicPublisher } from '../topic-publisher';
import type { TransportRecord } from '../transport-record';
import { RecordDispatcher } from './record-dispatcher';

// OTEL_TRACES_SAMPLER_ARG=0: no new trace is kept. A message whose root was not sampled must not become a trace
// half-way (a later stage sampling afresh): the decision travels with the record.
const exporter = new InMemorySpanExporter();
let tracing: TracingHandle;
beforeAll(() => {
  tracing = startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_SERVICE_NAME: '', OTEL_TRACES_SAMPLER_ARG: 0 }, 'test', { exporter });
});
afterAll(() => tracing.shutdown());

it('passes a sampled-out decision on (flags 00), so no stage records a span for that message', async () => {
  const broker = new InProcessBroker({ partitions: 1, capacity: 10, concurrency: 1 });
  const publisher = new ClientProxyTopicPublisher(new InProcessClient(broker));
  const dispatcher = new RecordDispatcher({ maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, async () => undefined, { warn: () => undefined, error: () => undefined });
  const received: TransportRecord[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  broker.subscribe(TOPICS.control, 'g', async (record) => {
    await dispatcher.dispatch(record, { stage: 'stage', handle: async (_m, r) => void received.push(r) });
    done();
  });
  await withSpan('root', {}, () => publisher.publish(TOPICS.control, createEnvelope({ sessionId: 's1', payload: { type: 'cancel' as const } })));
  await finished;
  expect(received[0].headers[TRACEPARENT_HEADER]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  expect(exporter.getFinishedSpans()).toEqual([]);
});
