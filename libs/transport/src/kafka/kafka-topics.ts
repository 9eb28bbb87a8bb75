import { TOPICS } from '@relay/contracts';
import type { Admin } from 'kafkajs';

/** Creates Relay's topics that do not exist yet; existing topics are left as they are. */
export async function ensureTopics(admin: Admin, partitions: number, replicationFactor: number): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = Object.values(TOPICS).filter((t) => !existing.has(t));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: partitions,
        replicationFactor,
        // Dead letters wait for an operator: keep them longer than the default week.
        configEntries: topic === TOPICS.deadLetters ? [{ name: 'retention.ms', value: String(30 * 24 * 3600 * 1000) }] : [],
      })),
    });
  }
  return missing;
}
