import { BusyError } from '@relay/contracts';
import { ConcurrencyLimit } from '../delivery/concurrency-limit';
import { PartitionWorker } from '../delivery/partition-worker';
import type { TransportRecord } from '../transport-record';

export interface InProcessBrokerOptions {
  /** Partitions per topic. Records with the same key land in the same partition and are handled in order. */
  partitions: number;
  /** Records a topic may hold (queued or in flight, per consumer group) before publishers are pushed back. */
  capacity: number;
  /** Records of different keys a consumer group handles at once, unless its subscription says otherwise (default 64). */
  concurrency?: number;
}

export type RecordConsumer = (record: TransportRecord) => Promise<void>;

export interface SubscribeOptions {
  /** Records of different keys this group handles at once across the topic's partitions. */
  concurrency?: number;
}

interface ConsumerGroup {
  partitions: PartitionWorker[];
  /** Records accepted for this group and not yet handled. */
  unhandled: number;
}

interface TopicState {
  groups: Map<string, ConsumerGroup>;
  /** Records published before any group subscribed; Kafka would keep them in the log, so we keep them too. */
  backlog: TransportRecord[];
  spaceWaiters: Array<() => void>;
  /** Each partition's next position, as Kafka's offsets (shared by the groups, as the log is). */
  nextPosition: bigint[];
}

const DEFAULT_CONCURRENCY = 64;

/**
 * A broker inside the process with Kafka's delivery semantics: topics split into partitions by key, each record of
 * a key handled strictly after the previous one of that key, records of different keys side by side (up to a
 * bound per consumer group), and bounded so a full topic pushes back on its producers instead of growing without
 * limit or dropping. The delivery itself is the Kafka transport's: one PartitionWorker per partition and group.
 */
export class InProcessBroker {
  private readonly topics = new Map<string, TopicState>();
  private readonly idleWaiters: Array<() => void> = [];
  private inFlight = 0;
  private closed = false;

  constructor(private readonly options: InProcessBrokerOptions) {}

  subscribe(topic: string, group: string, consume: RecordConsumer, options: SubscribeOptions = {}): void {
    const state = this.topic(topic);
    if (state.groups.has(group)) throw new Error(`group ${group} already subscribed to ${topic}`);
    const limit = new ConcurrencyLimit(options.concurrency ?? this.options.concurrency ?? DEFAULT_CONCURRENCY);
    const entry: ConsumerGroup = { partitions: [], unhandled: 0 };
    entry.partitions = Array.from(
      { length: this.options.partitions },
      () => new PartitionWorker({ limit, handle: consume, onHandled: () => this.handled(state, entry) }),
    );
    state.groups.set(group, entry);
    const backlog = state.backlog.splice(0);
    for (const record of backlog) this.enqueue(state, record);
  }

  /**
   * Appends a record. When the topic is full, `whenFull: 'reject'` throws BusyError at once and `'wait'`
   * resolves once there is room.
   */
  async publish(record: TransportRecord, whenFull: 'reject' | 'wait'): Promise<void> {
    if (this.closed) throw new Error('broker is closed');
    const state = this.topic(record.topic);
    while (this.depth(record.topic) >= this.options.capacity) {
      if (whenFull === 'reject') throw new BusyError(record.topic);
      await new Promise<void>((resolve) => state.spaceWaiters.push(resolve));
    }
    this.enqueue(state, record);
  }

  /** The topics published to or subscribed so far. */
  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  /** Records queued or in flight on a topic: the largest backlog of any group, or the pre-subscription backlog. */
  depth(topic: string): number {
    const state = this.topics.get(topic);
    if (!state) return 0;
    let depth = state.backlog.length;
    for (const group of state.groups.values()) depth = Math.max(depth, group.unhandled);
    return depth;
  }

  /** Resolves when no record is queued or in flight on any subscribed topic. */
  async idle(): Promise<void> {
    while (this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses new records and waits for those already accepted to be handled. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
  }

  private topic(name: string): TopicState {
    let state = this.topics.get(name);
    if (!state) {
      state = { groups: new Map(), backlog: [], spaceWaiters: [], nextPosition: Array.from({ length: this.options.partitions }, () => 0n) };
      this.topics.set(name, state);
    }
    return state;
  }

  private enqueue(state: TopicState, record: TransportRecord): void {
    if (state.groups.size === 0) {
      state.backlog.push(record);
      return;
    }
    const index = partitionOf(record.key, this.options.partitions);
    const position = state.nextPosition[index]++;
    for (const group of state.groups.values()) {
      group.unhandled++;
      this.inFlight++;
      // Deliver on a later turn of the event loop, as a network transport would: the producer carries on first.
      // setImmediate runs in order, so the partition still receives its records in publication order.
      setImmediate(() => group.partitions[index].push(record, position));
    }
  }

  private handled(state: TopicState, group: ConsumerGroup): void {
    group.unhandled--;
    this.inFlight--;
    state.spaceWaiters.shift()?.();
    if (this.inFlight === 0) this.idleWaiters.splice(0).forEach((wake) => wake());
  }
}

/** FNV-1a over the key: stable across restarts and processes, spreads session ids evenly. */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
