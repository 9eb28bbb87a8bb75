import { DOCUMENT_INGEST_MAX_RECORD_BYTES, TOPICS } from '@relay/contracts';
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
        configEntries: topicConfig(topic),
      })),
    });
  }
  return missing;
}

function topicConfig(topic: string): Array<{ name: string; value: string }> {
  // Dead letters wait for an operator: keep them longer than the default week. A dead-lettered document can be as
  // large as a docs.ingest record, so chat.dlq takes records that large too.
  if (topic === TOPICS.deadLetters) {
    return [
      { name: 'retention.ms', value: String(30 * 24 * 3600 * 1000) },
      { name: 'max.message.bytes', value: String(DOCUMENT_INGEST_MAX_RECORD_BYTES) },
    ];
  }
  // A document's whole text travels in one record (so it is indexed all or nothing): past Kafka's 1 MB default.
  // Capacity reports are worth seconds: an hour of them is plenty to look back at, and the topic stays small.
  if (topic === TOPICS.capacity) return [{ name: 'retention.ms', value: String(3600 * 1000) }];
  if (topic === TOPICS.documentIngest) return [{ name: 'max.message.bytes', value: String(DOCUMENT_INGEST_MAX_RECORD_BYTES) }];
  return [];
}
