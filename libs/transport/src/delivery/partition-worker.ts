import type { TransportRecord } from '../transport-record';
import { ConcurrencyLimit } from './concurrency-limit';
import { KeyOrderedPartition, PartitionEntry } from './key-ordered-partition';

export interface PartitionWorkerOptions {
  /** Shared by every partition of one stage: how many of its records are handled at once in this process. */
  limit: ConcurrencyLimit;
  /** Handles one record. Expected never to throw (the RecordDispatcher retries and dead-letters); a throw counts as handled. */
  handle(record: TransportRecord): Promise<void>;
  /**
   * Records that everything before `next` is handled (Kafka: commits the offset). Called in order, one call at a
   * time, with growing positions; a position that moved on while a call was out is sent once that call returns.
   */
  commit?(next: bigint): Promise<void>;
  /** Called when a commit failed; the records after the last good commit are then handled again after a restart. */
  onCommitError?(err: Error): void;
  /** Pause fetching once `max` records are held uncommitted, resume at half of it. */
  buffer?: { max: number; pause(): void; resume(): void };
  /** Called after each record is handled (the in-process broker frees its space). */
  onHandled?(): void;
}

/**
 * Works one partition of one stage: records of different keys run concurrently (up to the stage's shared limit),
 * records of one key one after another in order, and the commit moves only over a gap-free handled prefix, so a
 * crash delivers again what was not handled and never skips it. Both transports use it: Kafka with commits and
 * pausing, the in-process broker without.
 */
export class PartitionWorker {
  private readonly queue = new KeyOrderedPartition<TransportRecord>();
  private readonly limit: ConcurrencyLimit;
  private paused = false;
  private stopped = false;
  /** Handlers running now (not those still waiting for a slot of the limit). */
  private handling = 0;
  /** The last position pushed since the partition was (re)assigned. */
  private lastPosition?: bigint;
  private commitTarget?: bigint;
  private committedTo?: bigint;
  private committing?: Promise<void>;
  private readonly settledWaiters: Array<() => void> = [];

  constructor(private readonly options: PartitionWorkerOptions) {
    this.limit = options.limit;
  }

  /** Records fetched and not yet passed by the committed prefix. */
  get buffered(): number {
    return this.queue.buffered;
  }

  /**
   * Adds the next record of the partition and starts what may start. A position not beyond the last one pushed is a
   * record delivered again while its first copy is held or already handled: it is dropped (returns false).
   */
  push(record: TransportRecord, position: bigint): boolean {
    if (this.stopped) return false;
    if (this.lastPosition !== undefined && position <= this.lastPosition) return false;
    this.lastPosition = position;
    this.queue.push(record, record.key, position);
    const buffer = this.options.buffer;
    if (buffer && !this.paused && this.queue.buffered >= buffer.max) {
      this.paused = true;
      buffer.pause();
    }
    this.startReady();
    return true;
  }

  /**
   * The partition was reassigned (a rebalance): what was fetched is fetched again from the last commit, so drop it.
   * Records already running finish, without committing, and hold back their key until they do.
   */
  reset(): void {
    this.queue.reset();
    this.lastPosition = undefined;
    this.commitTarget = undefined;
    if (this.paused) {
      this.paused = false;
      this.options.buffer?.resume();
    }
  }

  /** Starts nothing more: records not started stay uncommitted (another replica handles them after this one leaves). */
  stop(): void {
    this.stopped = true;
  }

  /** Resolves once no handler runs and no commit is out. */
  settled(): Promise<void> {
    if (this.isSettled()) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  private isSettled(): boolean {
    return this.handling === 0 && this.committing === undefined;
  }

  private startReady(): void {
    for (let entry = this.queue.take(); entry; entry = this.queue.take()) void this.run(entry);
  }

  private async run(entry: PartitionEntry<TransportRecord>): Promise<void> {
    const handled = await this.limit.run(async () => {
      // Stopped while waiting for a slot: leave it unhandled and uncommitted.
      if (this.stopped) return false;
      // Fetched before a rebalance: it comes again from the last commit; only release its key.
      if (entry.stale) return true;
      this.handling++;
      try {
        await this.options.handle(entry.record);
      } catch {
        // The dispatcher owns failures (retries, dead letters); nothing may stop the partition.
      } finally {
        this.handling--;
      }
      return true;
    });
    if (handled) {
      const next = this.queue.finish(entry);
      if (!entry.stale) this.options.onHandled?.();
      if (next !== undefined && this.options.commit) this.commit(next);
      const buffer = this.options.buffer;
      if (buffer && this.paused && this.queue.buffered <= buffer.max / 2) {
        this.paused = false;
        buffer.resume();
      }
      if (!this.stopped) this.startReady();
    }
    this.wakeIfSettled();
  }

  private commit(next: bigint): void {
    this.commitTarget = next;
    this.committing ??= this.sendCommits();
  }

  private async sendCommits(): Promise<void> {
    while (this.commitTarget !== undefined && this.commitTarget !== this.committedTo) {
      const target = this.commitTarget;
      try {
        await this.options.commit!(target);
        this.committedTo = target;
      } catch (err) {
        this.options.onCommitError?.(err as Error);
        // Not retried here: the next handled record commits past it anyway; a restart handles it again.
        if (this.commitTarget === target) break;
      }
    }
    this.committing = undefined;
    this.wakeIfSettled();
  }

  private wakeIfSettled(): void {
    if (this.isSettled()) this.settledWaiters.splice(0).forEach((wake) => wake());
  }
}
