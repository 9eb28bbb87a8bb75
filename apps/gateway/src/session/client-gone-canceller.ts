import { Logger } from '@nestjs/common';

/** The timer functions it uses; a test passes fake ones. */
export interface GraceTimers {
  set(run: () => void, ms: number): unknown;
  clear(timer: unknown): void;
}

const realTimers: GraceTimers = {
  set: (run, ms) => setTimeout(run, ms).unref(),
  clear: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

/**
 * Stops generating answers nobody waits for. When the last socket of a chat on this gateway closes, a grace period
 * (CLIENT_GONE_GRACE_MS, longer than a page reload or a brief network drop) starts; a socket of the chat that comes
 * back within it keeps every answer, and one that does not has the chat's unfinished answers cancelled (`abandon`):
 * a queued prompt leaves the worker's queue without being generated, a running one stops.
 *
 * Presence is this gateway's only: a client that comes back on another replica within the grace period is not seen
 * here, so its answer is cancelled all the same. Socket.IO needs sticky sessions behind a load balancer anyway (for
 * long-polling), which keeps a reconnecting client on its gateway; docs/architecture.md says so.
 */
export class ClientGoneCanceller {
  private readonly logger = new Logger('ClientGone');
  private readonly waiting = new Map<string, unknown>();

  constructor(
    private readonly graceMs: number,
    /** Cancels the chat's unfinished answers; resolves to how many there were. */
    private readonly abandon: (sessionId: string) => Promise<number>,
    private readonly timers: GraceTimers = realTimers,
  ) {}

  /** The last socket of the chat on this gateway closed. */
  gone(sessionId: string): void {
    if (this.graceMs === 0 || this.waiting.has(sessionId)) return;
    this.waiting.set(
      sessionId,
      this.timers.set(() => {
        this.waiting.delete(sessionId);
        this.abandon(sessionId).then(
          (count) => count > 0 && this.logger.log({ msg: 'answers abandoned by their client cancelled', sessionId, count }),
          (err: Error) => this.logger.error({ msg: 'could not cancel abandoned answers', sessionId, err: err.message }),
        );
      }, this.graceMs),
    );
  }

  /** A socket of the chat is here (again): its answers are waited for. */
  back(sessionId: string): void {
    const timer = this.waiting.get(sessionId);
    if (timer === undefined) return;
    this.timers.clear(timer);
    this.waiting.delete(sessionId);
  }

  /** Chats whose grace period is running. */
  get pending(): number {
    return this.waiting.size;
  }

  onModuleDestroy(): void {
    for (const timer of this.waiting.values()) this.timers.clear(timer);
    this.waiting.clear();
  }
}
