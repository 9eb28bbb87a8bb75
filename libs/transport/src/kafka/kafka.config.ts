import { boolVar, enumVar, intVar, stringVar } from '@relay/config';
import { z } from 'zod';

/** Kafka connection and tuning, read when TRANSPORT=kafka. Why each default: docs/benchmarks.md and docs/kafka.md. */
export const kafkaConfigSchema = z.object({
  KAFKA_BROKERS: stringVar('localhost:9092'),
  KAFKA_CLIENT_ID: stringVar('relay'),
  /** Consumer groups are named `<prefix>-<app>`; replicas of one app share its group. */
  KAFKA_GROUP_PREFIX: stringVar('relay'),
  KAFKA_SSL: boolVar(false),
  KAFKA_SASL_MECHANISM: enumVar(['none', 'plain', 'scram-sha-256', 'scram-sha-512'] as const, 'none'),
  KAFKA_SASL_USERNAME: z.string().default(''),
  KAFKA_SASL_PASSWORD: z.string().default(''),
  /** Partitions and replication of topics created at start-up when missing. */
  KAFKA_TOPIC_PARTITIONS: intVar(12, 1, 10_000),
  KAFKA_REPLICATION_FACTOR: intVar(1, 1, 10),
  /** Partitions a consumer works on at once; each partition is still handled strictly in order. */
  KAFKA_PARTITIONS_CONCURRENTLY: intVar(8, 1, 1000),
  /** Records fetched but not yet handled per partition before the partition is paused. */
  KAFKA_MAX_BUFFERED_PER_PARTITION: intVar(64, 1, 100_000),
  /** kafkajs waits up to this long for data on a fetch; its 5 s default shows up as latency (kafkajs #370). */
  KAFKA_MAX_WAIT_MS: intVar(20, 0, 10_000),
  KAFKA_SESSION_TIMEOUT_MS: intVar(10_000, 3_000, 300_000),
  KAFKA_HEARTBEAT_INTERVAL_MS: intVar(1_000, 100, 60_000),
});
export type KafkaConfig = z.infer<typeof kafkaConfigSchema>;
