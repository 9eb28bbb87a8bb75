import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy, CustomTransportStrategy, Server } from '@nestjs/microservices';
import type { CommonConfig } from '@relay/config';
import { readinessOf, RelayMetrics } from '@relay/observability';
import { RetryPolicy } from './delivery/retry-policy';
import type { StageConcurrency } from './delivery/stage-concurrency';
import { InProcessBroker } from './in-process/in-process-broker';
import { InProcessClient } from './in-process/in-process.client';
import { InProcessServer } from './in-process/in-process.server';
import { KafkaClient } from './kafka/kafka.client';
import { KafkaKeyedLogReader } from './kafka/kafka-keyed-log-reader';
import type { KeyedLogReader } from './log-reader/keyed-log-reader.port';
import type { KafkaConfig } from './kafka/kafka.config';
import { KafkaServer } from './kafka/kafka.server';
import { ClientProxyTopicPublisher, TopicPublisher } from './topic-publisher';

export const retryPolicyFrom = (config: CommonConfig): RetryPolicy => ({
  maxAttempts: config.TRANSPORT_MAX_ATTEMPTS,
  baseDelayMs: config.TRANSPORT_RETRY_BASE_MS,
  maxDelayMs: 5_000,
});

/** One process's transport: the Nest server its handlers consume through, and the client its stages publish with. */
export interface RelayTransport {
  kind: 'in-process' | 'kafka';
  server: Server & CustomTransportStrategy & { isListening: boolean };
  client: ClientProxy;
  /** Only in-process: the broker itself (tests and benchmarks add consumer groups to it). */
  broker?: InProcessBroker;
  /**
   * The process's metrics. The transport is built before the Nest app (main.ts) and every app module is given it,
   * so it carries the one registry that its dispatcher and the app's stages (provider `RelayMetrics`) record into.
   */
  metrics: RelayMetrics;
  /** Only on a durable transport (Kafka): reads a key's records back from a topic (chat:resume on any gateway). */
  logReader?: KeyedLogReader;
}

/** The embedded default's transport, whose broker tests and benchmarks can reach. */
export type InProcessTransport = RelayTransport & { broker: InProcessBroker };

/** TRANSPORT_CONCURRENCY for every stage, except where `stages` names a stage's own bound. */
export const stageConcurrencyFrom = (config: CommonConfig, stages?: Record<string, number>): StageConcurrency => ({
  default: config.TRANSPORT_CONCURRENCY,
  stages,
});

export function createInProcessTransport(config: CommonConfig, stages?: Record<string, number>, metrics = new RelayMetrics()): InProcessTransport {
  const concurrency = stageConcurrencyFrom(config, stages);
  const broker = new InProcessBroker({ partitions: config.TRANSPORT_PARTITIONS, capacity: config.TRANSPORT_QUEUE_CAPACITY, concurrency: concurrency.default });
  metrics.observeTransportQueue(() => broker.topicNames().map((topic) => [{ topic }, broker.depth(topic)]));
  return { kind: 'in-process', broker, metrics, server: new InProcessServer(broker, retryPolicyFrom(config), concurrency, 'relay', metrics), client: new InProcessClient(broker) };
}

/**
 * The transport TRANSPORT names. `app` names the Kafka consumer groups (replicas of one app share a group);
 * `stages` gives a stage a concurrency of its own instead of TRANSPORT_CONCURRENCY (the LLM worker's generation).
 */
export function createTransport(config: CommonConfig, kafka: KafkaConfig | undefined, app: string, stages?: Record<string, number>, metrics = new RelayMetrics()): RelayTransport {
  if (config.TRANSPORT === 'in-process') return createInProcessTransport(config, stages, metrics);
  if (!kafka) throw new Error('TRANSPORT=kafka needs the KAFKA_* configuration');
  const server = new KafkaServer(kafka, retryPolicyFrom(config), app, stageConcurrencyFrom(config, stages), undefined, metrics);
  return { kind: 'kafka', server, metrics, client: new KafkaClient(kafka, app), logReader: new KafkaKeyedLogReader(kafka, app) };
}

const TRANSPORT = Symbol('TRANSPORT');

/** The transport's KeyedLogReader, or null when it keeps no log (the embedded default). */
export const KEYED_LOG_READER = Symbol('KEYED_LOG_READER');

/** Gives every module a TopicPublisher backed by the transport's client, and reports the transport's readiness. */
@Global()
@Module({})
export class TransportModule implements OnApplicationShutdown {
  constructor(@Inject(TRANSPORT) private readonly transport: RelayTransport) {}

  async onApplicationShutdown(): Promise<void> {
    await this.transport.logReader?.close();
  }

  static forRoot(transport: RelayTransport): DynamicModule {
    return {
      module: TransportModule,
      providers: [
        { provide: TRANSPORT, useValue: transport },
        { provide: RelayMetrics, useValue: transport.metrics },
        { provide: KEYED_LOG_READER, useValue: transport.logReader ?? null },
        { provide: TopicPublisher, useFactory: () => new ClientProxyTopicPublisher(transport.client) },
        ...(transport.broker ? [{ provide: InProcessBroker, useValue: transport.broker }] : []),
        readinessOf<RelayTransport>(TRANSPORT, 'transport', (t) => ({ ready: t.server.isListening, details: { kind: t.kind } })),
      ],
      exports: [TopicPublisher, RelayMetrics, KEYED_LOG_READER, ...(transport.broker ? [InProcessBroker] : [])],
    };
  }
}
