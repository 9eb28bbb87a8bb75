import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ChatControl, createEnvelope, Delivered, TOPICS } from '@relay/contracts';
import { ObservabilityModule } from '@relay/observability';
import { RelayTransport, TopicPublisher, TransportModule } from '@relay/transport';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const received: number[] = [];
let onReceived: () => void = () => {};

@Controller()
class StopwatchHandler {
  @EventPattern(TOPICS.control, { stage: 'stopwatch' })
  handle(@Payload() message: Delivered<ChatControl>): void {
    received.push(message.receivedAt - message.sentAt);
    onReceived();
  }
}

/**
 * A transport's own cost per hop, with nothing else running: a real Nest microservice on the transport's server,
 * records published through the TopicPublisher, from publish to the handler starting (serialize, send, deliver,
 * parse, validate the envelope). One record at a time, so no queueing is counted.
 */
export async function measureTransportOverhead(transport: RelayTransport, records: number): Promise<{ hopMs: number[]; pipelinedPerSec: number }> {

  @Module({
    imports: [ObservabilityModule.forRoot({ auditLogPath: join(tmpdir(), 'relay-bench-audit.jsonl') }), TransportModule.forRoot(transport)],
    controllers: [StopwatchHandler],
  })
  class StopwatchModule {}

  const app = await NestFactory.createMicroservice(StopwatchModule, { strategy: transport.server, logger: false });
  await app.listen();
  const publisher = app.get(TopicPublisher);
  const send = (i: number) =>
    publisher.publish(TOPICS.control, createEnvelope({ sessionId: `s${i % 64}`, payload: { type: 'cancel' as const } }));

  // Warm up the JIT (and, on Kafka, the connections and the group), then measure one hop at a time.
  for (let i = 0; i < Math.min(2000, records); i++) {
    const handled = new Promise<void>((r) => (onReceived = r));
    await send(i);
    await handled;
  }
  received.length = 0;
  for (let i = 0; i < records; i++) {
    const handled = new Promise<void>((r) => (onReceived = r));
    await send(i);
    await handled;
  }
  const hopMs = [...received];

  // Throughput with many records outstanding.
  received.length = 0;
  const started = performance.now();
  const all = new Promise<void>((r) => (onReceived = () => received.length >= records && r()));
  await Promise.all(Array.from({ length: records }, (_, i) => send(i)));
  await all;
  const pipelinedPerSec = records / ((performance.now() - started) / 1000);
  await app.close();
  return { hopMs, pipelinedPerSec };
}
