import { Logger } from '@nestjs/common';
import { RelayMetrics } from '@relay/observability';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { nestHandlerTarget } from '../delivery/nest-handler-target';
import { RecordDispatcher } from '../delivery/record-dispatcher';
import { RetryPolicy } from '../delivery/retry-policy';
import { concurrencyOf, StageConcurrency } from '../delivery/stage-concurrency';
import { InProcessBroker } from './in-process-broker';

export const IN_PROCESS_TRANSPORT = Symbol('IN_PROCESS_TRANSPORT');

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
    /** Records of different sessions each stage handles at once; the broker's default when not given. */
    private readonly concurrency?: StageConcurrency,
    private readonly group = 'relay',
    metrics: RelayMetrics = new RelayMetrics({ enabled: false }),
  ) {
    super();
    const logger = new Logger('InProcessTransport');
    this.dispatcher = new RecordDispatcher(
      retry,
      (record) => broker.publish(record, 'wait'),
      { warn: (obj, msg) => logger.warn({ ...obj, msg }), error: (obj, msg) => logger.error({ ...obj, msg }) },
      metrics,
    );
  }

  listen(callback: (...optionalParams: unknown[]) => void): void {
    for (const [topic, handler] of this.getHandlers()) {
      const target = nestHandlerTarget(topic, handler, (result) => this.transformToObservable(result));
      const concurrency = this.concurrency && concurrencyOf(this.concurrency, target.stage);
      this.broker.subscribe(topic, this.group, (record) => this.dispatcher.dispatch(record, target), { concurrency });
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
}
