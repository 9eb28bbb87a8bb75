/** What the LLM worker says of a prompt before its first chunk: its place in the queue, or that the model reads it. */
export type WorkerStatus = { state: 'queued'; position: number } | { state: 'generating' };

/**
 * Keeps a waiting client hearing from the worker: says each new status at once and says the latest again whenever
 * `intervalMs` passed without a word (a long queue, a long prompt being read), until stopped at the first chunk.
 * A client can then tell a slow answer from a dead worker: silence longer than the interval means the worker is gone.
 */
export class StatusHeartbeat {
  private current: WorkerStatus | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly intervalMs: number,
    private readonly send: (status: WorkerStatus) => void,
  ) {}

  tell(status: WorkerStatus): void {
    if (this.stopped) return;
    this.current = status;
    this.say();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private say(): void {
    clearTimeout(this.timer);
    this.send(this.current!);
    this.timer = setTimeout(() => this.say(), this.intervalMs);
    this.timer.unref();
  }
}
