/** One record of a partition, from the moment it is fetched until the partition's handled prefix passes it. */
export interface PartitionEntry<R> {
  readonly record: R;
  readonly key: string;
  /** Its offset in the partition: positions only grow. */
  readonly position: bigint;
  state: 'waiting' | 'taken' | 'done';
  /** Set by `reset()`: the entry belongs to an earlier assignment; it still blocks its key but is never committed. */
  stale: boolean;
}

/**
 * The records of one partition, ordered per key instead of per partition: a record may be taken as soon as every
 * earlier record of its own key is done, so records of different keys (sessions) run side by side while each key
 * keeps its order. Completion can therefore be out of order; `finish` reports how far the partition is handled
 * without a gap (the position to commit), which never passes a record that is not done.
 *
 * Plain bookkeeping, no I/O and no timers: the PartitionWorker drives it.
 */
export class KeyOrderedPartition<R> {
  /** Fetched and not yet passed by the handled prefix, in position order (waiting, taken and done entries). */
  private pending: Array<PartitionEntry<R>> = [];
  /** Per key, its entries not yet done, in position order. The first one is taken or ready. */
  private readonly lines = new Map<string, Array<PartitionEntry<R>>>();
  /** Waiting entries that head their key's line, in position order: what may start now. */
  private ready: Array<PartitionEntry<R>> = [];

  /** Records held that the handled prefix has not passed yet: what bounds the partition's buffering. */
  get buffered(): number {
    return this.pending.length;
  }

  push(record: R, key: string, position: bigint): PartitionEntry<R> {
    const last = this.pending[this.pending.length - 1];
    if (last && position <= last.position) throw new Error(`position ${position} does not follow ${last.position}`);
    const entry: PartitionEntry<R> = { record, key, position, state: 'waiting', stale: false };
    this.pending.push(entry);
    const line = this.lines.get(key);
    if (line) line.push(entry);
    else {
      this.lines.set(key, [entry]);
      this.insertReady(entry);
    }
    return entry;
  }

  /** The earliest record whose key has nothing earlier still in hand, now marked taken; undefined when none may start. */
  take(): PartitionEntry<R> | undefined {
    const entry = this.ready.shift();
    if (entry) entry.state = 'taken';
    return entry;
  }

  /**
   * Marks a taken entry done and lets its key's next record start. Returns the position to commit (one past the
   * last record of the handled prefix) when this completion moved it, undefined otherwise.
   */
  finish(entry: PartitionEntry<R>): bigint | undefined {
    if (entry.state !== 'taken') throw new Error(`finish of a ${entry.state} entry`);
    entry.state = 'done';
    const line = this.lines.get(entry.key)!;
    line.shift();
    if (line.length === 0) this.lines.delete(entry.key);
    else this.insertReady(line[0]);
    if (entry.stale) return undefined;

    let handled = 0;
    while (handled < this.pending.length && this.pending[handled].state === 'done') handled++;
    if (handled === 0) return undefined;
    const next = this.pending[handled - 1].position + 1n;
    this.pending = this.pending.slice(handled);
    return next;
  }

  /**
   * Forgets everything not taken yet (a rebalance: it will be fetched again from the last commit). Taken entries
   * become stale: they still hold back later records of their key until they finish, so a record fetched again
   * never runs beside its own earlier copy, but finishing them commits nothing.
   */
  reset(): void {
    for (const [key, line] of this.lines) {
      const head = line[0];
      if (head.state === 'taken') {
        head.stale = true;
        this.lines.set(key, [head]);
      } else this.lines.delete(key);
    }
    this.pending = [];
    this.ready = [];
  }

  private insertReady(entry: PartitionEntry<R>): void {
    // Lowest position first, so the handled prefix (and the commit) moves as early as it can.
    let i = this.ready.length;
    while (i > 0 && this.ready[i - 1].position > entry.position) i--;
    this.ready.splice(i, 0, entry);
  }
}
