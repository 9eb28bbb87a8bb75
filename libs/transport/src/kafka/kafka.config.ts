import { boolVar, enumVar, intVar, stringVar } from '@relay/config';
import { z } from 'zod';

/** Kafka connection and tuning, read when TRANSPORT=kafka. Why each default: docs/benchmarks.md (Kafka section) and docs/distributed.md. */
export const kafkaConfigSchema = z.object({
  KAFKA_BROKERS: stringVar('localhost:9092'),
  KAFKA_CLIENT_ID: stringVar('relay'),
  /** Consumer groups are named `<prefix>-<stage>` (replicas of a stage share it) and `<prefix>-<app>-<id>` (one per process, for topics every replica reads). */
  KAFKA_GROUP_PREFIX: stringVar('relay'),
  KAFKA_SSL: boolVar(false),
  KAFKA_SASL_MECHANISM: enumVar(['none', 'plain', 'scram-sha-256', 'scram-sha-512'] as const, 'none'),
  KAFKA_SASL_USERNAME: z.string().default(''),
  KAFKA_SASL_PASSWORD: z.string().default(''),
  /** Partitions and replication of topics created at start-up when missing. */
  KAFKA_TOPIC_PARTITIONS: intVar(12, 1, 10_000),
  KAFKA_REPLICATION_FACTOR: intVar(1, 1, 10),
  /** Records fetched and not yet committed per partition before the partition is paused. */
  KAFKA_MAX_BUFFERED_PER_PARTITION: intVar(64, 1, 100_000),
  /**
   * Longest a fetch waits at the broker for data; it returns as soon as one record arrives, so this is not added
   * latency but the idle poll rate: 20 ms cost ~1 core of polling across five processes and the broker on a 2-core
   * machine, 500 ms ~0.2 core, with the same per-hop latency (docs/benchmarks.md).
   */
  KAFKA_MAX_WAIT_MS: intVar(500, 0, 10_000),
  /** Most records one produce request carries; records sent while a request is in flight wait for the next one. */
  KAFKA_PRODUCER_MAX_BATCH: intVar(500, 1, 100_000),
  /**
   * How long a replica may go without a heartbeat before the broker hands its partitions to the others: the silence
   * a crash costs the chats it held. The broker refuses a session timeout below its group.min.session.timeout.ms
   * (6 s by default; the dev broker of scripts/kafka.mjs allows 1 s).
   */
  KAFKA_SESSION_TIMEOUT_MS: intVar(10_000, 1_000, 300_000),
  /** Must be below a third of KAFKA_SESSION_TIMEOUT_MS, so one late heartbeat does not end a live session. */
  KAFKA_HEARTBEAT_INTERVAL_MS: intVar(1_000, 100, 60_000),
}).superRefine((c, ctx) => {
  if (c.KAFKA_HEARTBEAT_INTERVAL_MS * 3 > c.KAFKA_SESSION_TIMEOUT_MS) {
    ctx.addIssue({ code: 'custom', path: ['KAFKA_HEARTBEAT_INTERVAL_MS'], message: `must be at most a third of KAFKA_SESSION_TIMEOUT_MS (${c.KAFKA_SESSION_TIMEOUT_MS})` });
  }
});
export type KafkaConfig = z.infer<typeof kafkaConfigSchema>;
