import type { Admin } from 'kafkajs';
import { LOG_READER_GROUP_INFIX } from './kafka-keyed-log-reader';

export type LagSample = [{ group: string; topic: string; partition: string }, number];

/** Longest a lag reading is reused: Prometheus may scrape often, and each reading is a few admin requests. */
const CACHE_MS = 5_000;
/** A reading that takes longer is abandoned (the scrape must not hang on a broker that does not answer). */
const TIMEOUT_MS = 4_000;
// The per-process groups (`<prefix>-<app>-<instance id>`, every-replica delivery) end in 8 hex digits; a stopped
// process leaves its group behind with ever-growing lag, so they are not reported. Shared groups are one per stage.
const PER_PROCESS_GROUP = /-[0-9a-f]{8}$/;

/**
 * Kafka consumer lag of Relay's shared consumer groups (those named `<KAFKA_GROUP_PREFIX>-…`), per group, topic and
 * partition: the partition's latest offset minus the group's committed offset. Read from the admin API, so any
 * Relay process reports the lag of every stage, including one whose workers are all stopped.
 */
export class ConsumerLagReader {
  private cached?: { at: number; samples: Promise<LagSample[]> };

  constructor(
    private readonly admin: () => Promise<Admin>,
    private readonly groupPrefix: string,
  ) {}

  read(): Promise<LagSample[]> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > CACHE_MS) this.cached = { at: now, samples: withTimeout(this.fetch(), TIMEOUT_MS) };
    return this.cached.samples;
  }

  private async fetch(): Promise<LagSample[]> {
    const admin = await this.admin();
    const { groups } = await admin.listGroups();
    // The log reader's groups live for one read and commit nothing: not stages, no lag to report.
    const reader = `${this.groupPrefix}-${LOG_READER_GROUP_INFIX}-`;
    const ours = groups.map((g) => g.groupId).filter((id) => id.startsWith(`${this.groupPrefix}-`) && !PER_PROCESS_GROUP.test(id) && !id.startsWith(reader));
    const ends = new Map<string, Map<number, bigint>>();
    const samples: LagSample[] = [];
    for (const group of ours) {
      for (const { topic, partitions } of await admin.fetchOffsets({ groupId: group })) {
        if (!ends.has(topic)) ends.set(topic, new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)])));
        for (const { partition, offset } of partitions) {
          const end = ends.get(topic)!.get(partition) ?? 0n;
          const committed = BigInt(offset);
          // -1: nothing committed yet on this partition: all of it is behind.
          const lag = committed < 0n ? end : end - committed;
          samples.push([{ group, topic, partition: String(partition) }, Number(lag > 0n ? lag : 0n)]);
        }
      }
    }
    return samples;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumer lag not read within ${ms} ms`)), ms);
    timer.unref();
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (err: unknown) => (clearTimeout(timer), reject(err)),
    );
  });
}
