/**
 * A token bucket: `ratePerSec` requests a second on average, bursts of up to `burst`. The KeyedRateLimiter keeps one
 * per key (a session, a client address), so a flood from one of them is refused without slowing anyone else.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.updatedAt = now();
  }

  /** When the bucket will be full again if nothing more is taken: from then on it is the same as a new one. */
  fullAt(): number {
    return this.updatedAt + ((this.burst - this.tokens) / this.ratePerSec) * 1000;
  }

  /** Takes a token if there is one; otherwise says how long until there will be. */
  take(): { allowed: true } | { allowed: false; retryAfterMs: number } {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.ratePerSec);
    this.updatedAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.ceil(((1 - this.tokens) / this.ratePerSec) * 1000) };
  }
}
