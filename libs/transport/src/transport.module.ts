import { DynamicModule, Global, Module } from '@nestjs/common';
import type { CommonConfig } from '@relay/config';
import { readinessOf } from '@relay/observability';
import { RetryPolicy } from './delivery/retry-policy';
import { InProcessBroker } from './in-process/in-process-broker';
import { InProcessClient } from './in-process/in-process.client';
import { InProcessServer } from './in-process/in-process.server';
import { ClientProxyTopicPublisher, TopicPublisher } from './topic-publisher';

export const retryPolicyFrom = (config: CommonConfig): RetryPolicy => ({
  maxAttempts: config.TRANSPORT_MAX_ATTEMPTS,
  baseDelayMs: config.TRANSPORT_RETRY_BASE_MS,
  maxDelayMs: 5_000,
});

export interface InProcessTransport {
  broker: InProcessBroker;
  server: InProcessServer;
  client: InProcessClient;
}

/** The in-process transport's parts for one process: its broker, the Nest server that consumes, the client that produces. */
export function createInProcessTransport(config: CommonConfig): InProcessTransport {
  const broker = new InProcessBroker({ partitions: config.TRANSPORT_PARTITIONS, capacity: config.TRANSPORT_QUEUE_CAPACITY });
  return { broker, server: new InProcessServer(broker, retryPolicyFrom(config)), client: new InProcessClient(broker) };
}

const TRANSPORT = Symbol('TRANSPORT');

/** Gives every module a TopicPublisher backed by the transport's client, and reports the transport's readiness. */
@Global()
@Module({})
export class TransportModule {
  static forInProcess(transport: InProcessTransport): DynamicModule {
    return {
      module: TransportModule,
      providers: [
        { provide: TRANSPORT, useValue: transport },
        { provide: InProcessBroker, useValue: transport.broker },
        { provide: TopicPublisher, useFactory: () => new ClientProxyTopicPublisher(transport.client) },
        readinessOf<InProcessTransport>(TRANSPORT, 'transport', (t) => ({ ready: t.server.isListening, details: { kind: 'in-process' } })),
      ],
      exports: [TopicPublisher, InProcessBroker],
    };
  }
}
