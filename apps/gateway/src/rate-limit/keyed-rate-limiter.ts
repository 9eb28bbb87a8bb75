import { TokenBucket } from './token-bucket';

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface RateLimit {
  ratePerSec: number;
  burst: number;
}

/**
 * One token bucket per key (`session:<id>`, `client:<address>`, later `user:<id>`), created on first use. A bucket
 * that has refilled completely is the same as a new one, so it is dropped; at most `maxKeys` are kept, the least
 * recently used going first, so a flood of distinct keys costs bounded memory (an evicted key starts full again,
 * which only errs towards letting its owner through).
 */
export class KeyedRateLimiter {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  private readonly buckets = new Map<string, TokenBucket>();
  private lastSweep = 0;

  constructor(
    private readonly limit: RateLimit,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): RateDecision {
    const now = this.now();
    this.sweep(now);
    let bucket = this.buckets.get(key);
    if (bucket) this.buckets.delete(key);
    else bucket = new TokenBucket(this.limit.ratePerSec, this.limit.burst, this.now);
    this.buckets.set(key, bucket);
    while (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    return bucket.take();
  }

  /** Keys held right now (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  /** Drops full buckets, at most once a second, walking from the least recently used until one is still refilling. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) {
      if (bucket.fullAt() > now) break;
      this.buckets.delete(key);
    }
  }
}
