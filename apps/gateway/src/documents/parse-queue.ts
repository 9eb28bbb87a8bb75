import { RelayError } from '@relay/contracts';

/**
 * Bounds the uploads being parsed: at most `concurrency` at once (each PDF or HTML file takes a worker thread and up
 * to 512 MB of heap), at most `queueLimit` more waiting in arrival order; beyond that an upload is refused at once
 * with BUSY and a retryAfterMs estimated from recent parse times, instead of piling up memory and threads.
 */
export class ParseQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  /** Recent parse duration (exponential moving average), for Retry-After. */
  private averageMs = 1000;
  /** Most parses that ever ran at once (for tests and metrics). */
  peak = 0;

  constructor(
    private readonly concurrency: number,
    private readonly queueLimit: number,
  ) {}

  async run<T>(parse: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queueLimit) {
        const retryAfterMs = Math.max(1000, Math.round((this.averageMs * (this.waiting.length + 1)) / this.concurrency));
        throw new RelayError('BUSY', `Relay is reading ${this.running + this.waiting.length} uploads already; try again shortly.`, { retryAfterMs });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    this.peak = Math.max(this.peak, this.running);
    const started = performance.now();
    try {
      return await parse();
    } finally {
      this.averageMs = this.averageMs * 0.8 + (performance.now() - started) * 0.2;
      // The slot passes straight to the next in line (running stays the same), or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
