import { Logger } from '@nestjs/common';
import { Admin, Kafka, Partitioners } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { ConcurrencyLimit } from '../delivery/concurrency-limit';
import type { KeyedLogRead, KeyedLogReader, KeyedLogReadOptions } from '../log-reader/keyed-log-reader.port';
import type { TransportRecord } from '../transport-record';
import { createKafka } from './kafka-client-factory';
import type { KafkaConfig } from './kafka.config';
import { headersOf } from './kafka-headers';

/** Names the short-lived groups of the reads (`<KAFKA_GROUP_PREFIX>-log-reader-<uuid>`); consumer lag leaves them out. */
export const LOG_READER_GROUP_INFIX = 'log-reader';

/**
 * Reads one key's records back from a Kafka topic. The key's partition is computed with the producers' own
 * partitioner (kafkajs's default, murmur2 like Java's), the first offset at or after `sinceMs` is looked up by
 * timestamp, and a short-lived consumer reads that one partition from there up to the end it had when the read
 * began. kafkajs has no consumer without a group, so each read uses a group of its own, which seeks to the start on
 * the key's partition (the others stay at their end: nothing else is fetched) and is deleted afterwards. A join
 * costs the broker's `group.initial.rebalance.delay.ms` (0 on the dev broker, 3 s by Kafka's default): see
 * docs/distributed.md.
 */
export class KafkaKeyedLogReader implements KeyedLogReader {
  private readonly log = new Logger('KafkaLogReader');
  private readonly kafka: Kafka;
  private admin?: Promise<Admin>;
  private readonly partitioner = Partitioners.DefaultPartitioner();
  /**
   * Reads at once: each is a consumer group and connections on the broker, and many clients may resume at the same
   * moment (a gateway died): the rest wait their turn, within their timeout.
   */
  private readonly reads = new ConcurrencyLimit(4);

  constructor(
    private readonly config: KafkaConfig,
    app: string,
  ) {
    this.kafka = createKafka(config, `${config.KAFKA_CLIENT_ID}-${app}-reader`);
  }

  async read(topic: string, key: string, options: KeyedLogReadOptions): Promise<KeyedLogRead> {
    const deadline = Date.now() + options.timeoutMs;
    return this.reads.run(() => {
      const timeoutMs = deadline - Date.now();
      if (timeoutMs <= 0) throw new Error(`no turn to read ${topic} back within ${options.timeoutMs} ms`);
      return this.readNow(topic, key, { ...options, timeoutMs });
    });
  }

  private async readNow(topic: string, key: string, options: KeyedLogReadOptions): Promise<KeyedLogRead> {
    const admin = await this.connectedAdmin();
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitionMetadata = metadata.topics[0]?.partitions ?? [];
    if (partitionMetadata.length === 0) throw new Error(`topic ${topic} has no partitions`);
    const partition = this.partitioner({ topic, partitionMetadata, message: { key, value: null } });
    const ends = await admin.fetchTopicOffsets(topic);
    const end = BigInt(ends.find((p) => p.partition === partition)?.high ?? '0');
    // The first offset whose record was written at or after sinceMs; the partition's end when there is none.
    const starts = await admin.fetchTopicOffsetsByTimestamp(topic, options.sinceMs);
    const found = starts.find((p) => p.partition === partition)?.offset;
    const start = found === undefined || BigInt(found) < 0n ? end : BigInt(found);
    if (start >= end) return { records: [], ended: 'end', scanned: 0 };
    return this.consume(admin, topic, partition, start, end, key, options);
  }

  private async consume(
    admin: Admin,
    topic: string,
    partition: number,
    start: bigint,
    end: bigint,
    key: string,
    options: KeyedLogReadOptions,
  ): Promise<KeyedLogRead> {
    const groupId = `${this.config.KAFKA_GROUP_PREFIX}-${LOG_READER_GROUP_INFIX}-${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    const records: TransportRecord[] = [];
    let scanned = 0;
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = new Promise<KeyedLogRead['ended']>((resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`reading ${topic} back took longer than ${options.timeoutMs} ms`)), options.timeoutMs);
        consumer.on(consumer.events.CRASH, ({ payload }) => {
          if (!payload.restart) reject(payload.error);
        });
        let ended: KeyedLogRead['ended'] | undefined;
        void consumer
          .connect()
          // A new group without commits starts every partition at its end: nothing else is fetched.
          .then(() => consumer.subscribe({ topics: [topic], fromBeginning: false }))
          .then(() =>
            consumer.run({
              autoCommit: false,
              eachBatch: async ({ batch }) => {
                if (ended || batch.partition !== partition) return;
                for (const message of batch.messages) {
                  const offset = BigInt(message.offset);
                  // Outside the range: a fetch from the partition's end before the seek took effect.
                  if (offset < start || offset >= end) continue;
                  if (scanned >= options.maxRecords) ended = 'limit';
                  else {
                    scanned++;
                    if (message.key?.toString() === key) {
                      const record = { topic, key, value: message.value?.toString() ?? '', headers: headersOf(message.headers) };
                      records.push(record);
                      if (options.stop?.(record)) ended = 'stopped';
                    }
                    if (!ended && offset + 1n >= end) ended = 'end';
                  }
                  if (ended) return resolve(ended);
                }
              },
            }),
          )
          // The session's partition from `start` (kafkajs applies a seek at the next fetch, joined or not yet).
          // Not admin.setOffsets before joining: kafkajs implements it with a consumer of its own that waits for a
          // fetch, ~5 s a call (measured).
          .then(() => consumer.seek({ topic, partition, offset: start.toString() }))
          .catch(reject);
      });
      const ended = await result;
      return { records, ended, scanned };
    } finally {
      clearTimeout(timer);
      await consumer.disconnect().catch(() => undefined);
      // The group was this read's alone: nothing should be left of it on the broker.
      await admin.deleteGroups([groupId]).catch((err: Error) => this.log.warn({ msg: 'could not delete a log reader group', groupId, err: err.message }));
    }
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.then((a) => a.disconnect()).catch(() => undefined);
  }

  /** One admin connection, kept for later reads (a connect costs a round trip or two); a failed one is tried again. */
  private connectedAdmin(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })();
    return this.admin.catch((err: unknown) => {
      this.admin = undefined;
      throw err;
    });
  }
}
