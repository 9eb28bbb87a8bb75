import { Logger } from '@nestjs/common';
import { ClientProxy, ReadPacket } from '@nestjs/microservices';
import { Kafka, Partitioners, Producer } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OutgoingRecord } from '../transport-record';
import { createKafka } from './kafka-client-factory';
import type { KafkaConfig } from './kafka.config';
import { SendBatcher } from './send-batcher';

interface QueuedMessage {
  topic: string;
  message: { key: string; value: string; headers: Record<string, string> };
}

/** How long a send keeps retrying through a broker outage before the caller hears the error. */
const SEND_DEADLINE_MS = 30_000;

/**
 * The producing side of the Kafka transport: an idempotent producer with acks=all, records batched by SendBatcher. Sends are retried at this seam
 * through broker failover, and the producer is recreated when kafkajs gets stuck on an out-of-order sequence after
 * a broker died (kafkajs #598). Connecting is awaited before the first send, so nothing is emitted into the void
 * (nest #10449), and a failed connect is not cached.
 */
export class KafkaClient extends ClientProxy {
  private readonly log = new Logger('KafkaClient');
  private readonly kafka: Kafka;
  private producer?: Producer;
  private connecting?: Promise<Producer>;
  private readonly batcher: SendBatcher<QueuedMessage>;

  constructor(config: KafkaConfig, app: string) {
    super();
    this.kafka = createKafka(config, `${config.KAFKA_CLIENT_ID}-${app}-producer`, { retry: false });
    this.batcher = new SendBatcher((batch) => this.sendWithRetry(batch), config.KAFKA_PRODUCER_MAX_BATCH);
  }

  connect(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    this.connecting ??= (async () => {
      // Named explicitly (Java's murmur2, as other Kafka clients): same key, same partition; and no start-up warning.
      const producer = this.kafka.producer({ idempotent: true, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
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
    await this.batcher.send({ topic: String(packet.pattern), message: { key, value: JSON.stringify(value), headers } });
    return undefined as T;
  }

  /** One request for the whole batch, retried as a whole (so its order holds) until SEND_DEADLINE_MS. */
  private async sendWithRetry(batch: QueuedMessage[]): Promise<void> {
    const byTopic = new Map<string, QueuedMessage['message'][]>();
    for (const { topic, message } of batch) byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
    const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    const deadline = Date.now() + SEND_DEADLINE_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        const producer = await this.connect();
        await producer.sendBatch({ acks: -1, topicMessages });
        return;
      } catch (err) {
        const reason = (err as Error).message;
        if (Date.now() > deadline) throw err;
        if (/out of order sequence/i.test(reason)) await this.close();
        this.log.warn({ msg: 'send failed; retrying', attempt, records: batch.length, err: reason });
        await sleep(Math.min(2_000, 100 * 2 ** attempt));
      }
    }
  }

  protected publish(): () => void {
    throw new Error('KafkaClient supports events only (emit); request-response loses replies on rebalance (nest #2984)');
  }
}
