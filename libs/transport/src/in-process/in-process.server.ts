import { Logger } from '@nestjs/common';
import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { DeliveryTarget, RecordDispatcher } from '../delivery/record-dispatcher';
import { RetryPolicy } from '../delivery/retry-policy';
import type { TransportRecord } from '../transport-record';
import { InProcessBroker } from './in-process-broker';
import { InProcessContext } from './in-process.context';

export const IN_PROCESS_TRANSPORT = Symbol('IN_PROCESS_TRANSPORT');

/** Options an `@EventPattern` may carry for this transport, e.g. `@EventPattern(TOPICS.queries, { stage: 'preprocessor' })`. */
export interface StageExtras {
  stage?: string;
}

/**
 * A Nest microservice transport over the in-process broker: each `@EventPattern(topic)` handler subscribes to
 * its topic, and every record passes through the RecordDispatcher (validation, retries, dead letters) on its
 * way in. The same handlers run unchanged on Kafka.
 */
export class InProcessServer extends Server implements CustomTransportStrategy {
  override readonly transportId = IN_PROCESS_TRANSPORT;
  private readonly dispatcher: RecordDispatcher;
  private listening = false;

  constructor(
    private readonly broker: InProcessBroker,
    retry: RetryPolicy,
    private readonly group = 'relay',
  ) {
    super();
    const logger = new Logger('InProcessTransport');
    this.dispatcher = new RecordDispatcher(
      retry,
      (record) => broker.publish(record, 'wait'),
      { warn: (obj, msg) => logger.warn({ ...obj, msg }), error: (obj, msg) => logger.error({ ...obj, msg }) },
    );
  }

  listen(callback: (...optionalParams: unknown[]) => void): void {
    for (const [topic, handler] of this.getHandlers()) {
      const target = this.toTarget(topic, handler);
      this.broker.subscribe(topic, this.group, (record) => this.dispatcher.dispatch(record, target));
    }
    this.listening = true;
    callback();
  }

  get isListening(): boolean {
    return this.listening;
  }

  async close(): Promise<void> {
    this.listening = false;
    await this.broker.close();
  }

  on(): void {
    // The in-process broker has no connection events to report.
  }

  unwrap<T>(): T {
    return this.broker as T;
  }

  private toTarget(topic: string, head: MessageHandler): DeliveryTarget {
    const extras = (head.extras ?? {}) as StageExtras;
    return {
      stage: extras.stage ?? topic,
      handle: async (message, record: TransportRecord) => {
        // Several handlers may share a topic (Nest chains them); each must succeed.
        for (let handler: MessageHandler | undefined = head; handler; handler = handler.next) {
          const result = await handler(message, new InProcessContext([record]));
          await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
        }
      },
    };
  }
}
