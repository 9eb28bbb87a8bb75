import { Logger } from '@nestjs/common';
import { ClientProxy, ReadPacket } from '@nestjs/microservices';
import { Kafka, Producer } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OutgoingRecord } from '../transport-record';
import { createKafka } from './kafka-client-factory';
import type { KafkaConfig } from './kafka.config';

/** How long a send keeps retrying through a broker outage before the caller hears the error. */
const SEND_DEADLINE_MS = 30_000;

/**
 * The producing side of the Kafka transport: an idempotent producer with acks=all. Sends are retried at this seam
 * through broker failover, and the producer is recreated when kafkajs gets stuck on an out-of-order sequence after
 * a broker died (kafkajs #598). Connecting is awaited before the first send, so nothing is emitted into the void
 * (nest #10449), and a failed connect is not cached.
 */
export class KafkaClient extends ClientProxy {
  private readonly log = new Logger('KafkaClient');
  private readonly kafka: Kafka;
  private producer?: Producer;
  private connecting?: Promise<Producer>;

  constructor(config: KafkaConfig, app: string) {
    super();
    this.kafka = createKafka(config, `${config.KAFKA_CLIENT_ID}-${app}-producer`, { retry: false });
  }

  connect(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    this.connecting ??= (async () => {
      const producer = this.kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
      try {
        await producer.connect();
      } catch (err) {
        this.connecting = undefined;
        throw err;
      }
      this.producer = producer;
      return producer;
    })();
    return this.connecting;
  }

  async close(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = undefined;
    this.connecting = undefined;
  }

  unwrap<T>(): T {
    return this.kafka as T;
  }

  protected async dispatchEvent<T = undefined>(packet: ReadPacket<OutgoingRecord>): Promise<T> {
    const { key, value, headers } = packet.data;
    const message = { key, value: JSON.stringify(value), headers };
    const deadline = Date.now() + SEND_DEADLINE_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        const producer = await this.connect();
        await producer.send({ topic: String(packet.pattern), acks: -1, messages: [message] });
        return undefined as T;
      } catch (err) {
        const reason = (err as Error).message;
        if (Date.now() > deadline) throw err;
        if (/out of order sequence/i.test(reason)) await this.close();
        this.log.warn({ msg: 'send failed; retrying', attempt, err: reason });
        await sleep(Math.min(2_000, 100 * 2 ** attempt));
      }
    }
  }

  protected publish(): () => void {
    throw new Error('KafkaClient supports events only (emit); request-response loses replies on rebalance (nest #2984)');
  }
}
