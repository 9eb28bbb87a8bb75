/**
 * Groups sends into batches the way a producer's linger would, without a timer: the first item goes out at once,
 * and whatever arrives while a batch is in flight goes out together in the next one (at most `maxBatch` items).
 * kafkajs's idempotent producer allows one request in flight, so one record per request would cap a process at
 * one round trip per record; batching keeps that cap per batch instead. Batches go out in arrival order, one at
 * a time, so records of one key keep their order; a batch that fails is failed as a whole.
 */
export class SendBatcher<T> {
  private queue: Array<{ item: T; resolve: () => void; reject: (err: unknown) => void }> = [];
  private running = false;

  constructor(
    private readonly sendBatch: (items: T[]) => Promise<void>,
    private readonly maxBatch: number,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new Error(`maxBatch must be a positive integer, got ${maxBatch}`);
  }

  send(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          await this.sendBatch(batch.map((b) => b.item));
          batch.forEach((b) => b.resolve());
        } catch (err) {
          batch.forEach((b) => b.reject(err));
        }
      }
    } finally {
      this.running = false;
    }
  }
}
