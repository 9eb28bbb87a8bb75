import { ClientProxy, ReadPacket } from '@nestjs/microservices';
import { TOPIC_WHEN_FULL, TopicName } from '@relay/contracts';
import type { OutgoingRecord } from '../transport-record';
import { InProcessBroker } from './in-process-broker';

/** The producing side of the in-process transport: `emit(topic, { key, value, headers })` appends to the broker. */
export class InProcessClient extends ClientProxy {
  constructor(private readonly broker: InProcessBroker) {
    super();
  }

  async connect(): Promise<void> {
    // Nothing to connect to: the broker lives in this process.
  }

  close(): void {}

  unwrap<T>(): T {
    return this.broker as T;
  }

  protected async dispatchEvent<T = undefined>(packet: ReadPacket<OutgoingRecord>): Promise<T> {
    const topic = String(packet.pattern);
    const { key, value, headers } = packet.data;
    await this.broker.publish(
      { topic, key, value: JSON.stringify(value), headers },
      TOPIC_WHEN_FULL[topic as TopicName] ?? 'wait',
    );
    return undefined as T;
  }

  protected publish(): () => void {
    // Request-response loses replies on rebalance over Kafka, so Relay uses events with ids instead.
    throw new Error('InProcessClient supports events only (emit), not request-response (send)');
  }
}
