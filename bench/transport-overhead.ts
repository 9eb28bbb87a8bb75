import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ChatControl, createEnvelope, Delivered, TOPICS } from '@relay/contracts';
import { commonConfigSchema, parseEnv } from '@relay/config';
import { ObservabilityModule } from '@relay/observability';
import { createInProcessTransport, TopicPublisher, TransportModule } from '@relay/transport';
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
 * The in-process transport's own cost per hop, with nothing else running: a real Nest microservice over
 * InProcessServer, records published through the TopicPublisher, from publish to the handler starting (serialize,
 * queue, deliver, parse, validate the envelope). One record at a time, so no queueing is counted.
 */
export async function measureTransportOverhead(records: number): Promise<{ hopMs: number[]; pipelinedPerSec: number }> {
  const config = parseEnv(commonConfigSchema, { LOG_LEVEL: 'silent' });
  const transport = createInProcessTransport(config);

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

  // Warm up the JIT, then measure one hop at a time.
  for (let i = 0; i < 2000; i++) {
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
