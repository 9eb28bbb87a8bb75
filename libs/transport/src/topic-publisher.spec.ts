import { CORRELATION_HEADER, createEnvelope, TOPICS, TRACEPARENT_HEADER } from '@relay/contracts';
import { InProcessBroker } from './in-process/in-process-broker';
import { InProcessClient } from './in-process/in-process.client';
import { ClientProxyTopicPublisher } from './topic-publisher';
import type { TransportRecord } from './transport-record';

// Tracing is off in this file (no startTracing): what a process without OTEL_EXPORTER_OTLP_ENDPOINT publishes.
function setup() {
  const broker = new InProcessBroker({ partitions: 1, capacity: 10, concurrency: 1 });
  const published: TransportRecord[] = [];
  broker.subscribe(TOPICS.control, 'g', async (r) => void published.push(r));
  return { publisher: new ClientProxyTopicPublisher(new InProcessClient(broker)), published };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('ClientProxyTopicPublisher with tracing off', () => {
  it('adds no trace context to a record that had none', async () => {
    const { publisher, published } = setup();
    await publisher.publish(TOPICS.control, createEnvelope({ sessionId: 's1', correlationId: 'c1', payload: { type: 'cancel' as const } }));
    await flush();
    expect(published[0].headers).toEqual({ [CORRELATION_HEADER]: 'c1' });
    expect('traceparent' in JSON.parse(published[0].value)).toBe(false);
  });

  it('passes on the trace context a record was forwarded with, so the trace continues past this process', async () => {
    const { publisher, published } = setup();
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await publisher.publish(TOPICS.control, { ...createEnvelope({ sessionId: 's1', payload: { type: 'cancel' as const } }), traceparent });
    await flush();
    expect(published[0].headers[TRACEPARENT_HEADER]).toBe(traceparent);
    expect(JSON.parse(published[0].value).traceparent).toBe(traceparent);
  });
});
