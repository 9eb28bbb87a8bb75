import type { TransportRecord } from '../transport-record';

/** What a read back of one key's records found. */
export interface KeyedLogRead {
  /** The key's records from the first one written at or after `sinceMs`, in the order they were written. */
  records: TransportRecord[];
  /**
   * Why the read ended: `end` (it reached what the log held when the read began), `stopped` (the caller's `stop` said
   * enough), `limit` (it scanned `maxRecords` records first: the rest was not read).
   */
  ended: 'end' | 'stopped' | 'limit';
  /** Records scanned, of every key of the partition, to find these. */
  scanned: number;
}

export interface KeyedLogReadOptions {
  /** Epoch ms: records written before it are skipped (the log is searched by time, not read from its start). */
  sinceMs: number;
  /** Most records of the partition to scan (other keys' included). */
  maxRecords: number;
  /** Longest the read may take before it is given up (rejects). */
  timeoutMs: number;
  /** Ends the read early once a record of the key satisfies it (that record included). */
  stop?: (record: TransportRecord) => boolean;
}

/**
 * Reads back what a durable topic holds for one key, from a point in time up to the topic's end when the read
 * began. The gateway uses it to rebuild an answer that began before it started (chat:resume on any replica).
 * Only a durable transport has one (Kafka: KafkaKeyedLogReader); the embedded default's broker keeps nothing once
 * delivered, and its one gateway saw every answer from its start.
 */
export interface KeyedLogReader {
  read(topic: string, key: string, options: KeyedLogReadOptions): Promise<KeyedLogRead>;
  close(): Promise<void>;
}
