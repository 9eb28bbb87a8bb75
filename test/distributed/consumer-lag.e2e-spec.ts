import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern } from '@nestjs/microservices';
import { commonConfigSchema, parseEnv } from '@relay/config';
import { createEnvelope, TOPICS } from '@relay/contracts';
import { ObservabilityModule } from '@relay/observability';
import { createTransport, kafkaConfigSchema, RelayTransport, TransportModule } from '@relay/transport';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteRelayTopics, produceRaw, startKafka } from '../support/kafka-cluster';
import { parsePrometheusText, sumOf } from '../support/prometheus-text';

// relay_kafka_consumer_lag on a real broker: a stage's worker stops, records keep coming, and another Relay
// process's metrics show its group falling behind (read from Kafka's admin API, not from the stopped worker).
const handled: string[] = [];
const cancel = () => JSON.stringify({ ...createEnvelope({ sessionId: 'session-a', payload: { type: 'cancel' as const } }), sentAt: Date.now() });

@Controller()
class LagWorker {
  @EventPattern(TOPICS.control, { stage: 'lag-worker' })
  handle(): void {
    handled.push('one');
  }
}

describe('Kafka consumer lag metric', () => {
  let brokers: string;
  let observer: RelayTransport | undefined;

  beforeAll(async () => {
    brokers = startKafka();
    await deleteRelayTopics(brokers);
  }, 240_000);

  afterAll(async () => {
    await observer?.server.close();
  });

  it('reports the records a stopped worker has not read, per group, topic and partition', async () => {
    const common = parseEnv(commonConfigSchema, { TRANSPORT: 'kafka', LOG_LEVEL: 'silent', TRANSPORT_RETRY_BASE_MS: '1' });
    const kafka = parseEnv(kafkaConfigSchema, { KAFKA_BROKERS: brokers, KAFKA_GROUP_PREFIX: `relay-lag${Date.now()}`, KAFKA_TOPIC_PARTITIONS: '2', KAFKA_MAX_WAIT_MS: '100' });
    const group = `${kafka.KAFKA_GROUP_PREFIX}-lag-worker`;

    // The worker handles one record (so its group has committed an offset), then stops.
    const worker = createTransport(common, kafka, 'worker');
    @Module({ imports: [ObservabilityModule.forRoot({ auditLogPath: join(tmpdir(), `relay-lag-audit-${process.pid}.jsonl`) }), TransportModule.forRoot(worker)], controllers: [LagWorker] })
    class WorkerApp {}
    const app = await NestFactory.create(WorkerApp, { logger: false });
    app.connectMicroservice({ strategy: worker.server }, { inheritAppConfig: true });
    await app.startAllMicroservices();
    await produceRaw(brokers, TOPICS.control, 'session-a', cancel());
    for (let i = 0; i < 300 && handled.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(handled).toHaveLength(1);
    await app.close();

    // Three more for the same session (one partition) while no worker runs.
    for (let i = 0; i < 3; i++) await produceRaw(brokers, TOPICS.control, 'session-a', cancel());

    observer = createTransport(common, kafka, 'observer');
    await new Promise<void>((resolve, reject) => observer!.server.listen((err?: unknown) => (err ? reject(err) : resolve())));
    const { samples } = parsePrometheusText(await observer.metrics.registry.expose());
    const lag = samples.filter((s) => s.name === 'relay_kafka_consumer_lag' && s.labels.group === group);
    expect(lag.length).toBeGreaterThan(0);
    expect(lag.every((s) => s.labels.topic === TOPICS.control)).toBe(true);
    expect(sumOf(samples, 'relay_kafka_consumer_lag', { group, topic: TOPICS.control })).toBe(3);
  }, 120_000);
});
