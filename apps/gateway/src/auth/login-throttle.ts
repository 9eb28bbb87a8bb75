import { RelayError } from '@relay/contracts';
import { KeyedRateLimiter } from '../rate-limit/keyed-rate-limiter';

interface Failures {
  count: number;
  lockedUntil: number;
}

/** Longest a (name, address) pair is locked. */
const MAX_LOCK_MS = 60 * 60_000;
/** Pairs remembered at most (the least recently failed go first). */
const MAX_PAIRS = 100_000;

/**
 * Slows password guessing without letting anyone lock a user out by name or learn which names exist:
 * - failures are counted per (user name, client address): after LOGIN_MAX_FAILURES in a row that pair waits
 *   LOGIN_LOCK_MS, doubling with each further failure (at most an hour); the right password resets it;
 * - every attempt counts against the client address (LOGIN_ATTEMPTS_PER_MIN), whatever name it tries;
 * - names that do not exist are counted exactly like names that do, and answered the same way.
 * A user attacked from elsewhere can still sign in from their own address. Counts are per gateway process.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, Failures>();
  private readonly attempts: KeyedRateLimiter;

  constructor(
    private readonly options: { maxFailures: number; lockMs: number; attemptsPerMin: number },
    private readonly now: () => number = Date.now,
  ) {
    this.attempts = new KeyedRateLimiter({ ratePerSec: options.attemptsPerMin / 60, burst: options.attemptsPerMin }, MAX_PAIRS, now);
  }

  /** Before checking the password: RATE_LIMITED (with retryAfterMs) when this attempt must wait. */
  check(userName: string, client: string): void {
    const locked = this.failures.get(pairOf(userName, client));
    const now = this.now();
    if (locked && locked.lockedUntil > now) throw limited(locked.lockedUntil - now);
    const decision = this.attempts.take(`login:${client}`);
    if (!decision.allowed) throw limited(decision.retryAfterMs);
  }

  failed(userName: string, client: string): void {
    const key = pairOf(userName, client);
    const entry = this.failures.get(key) ?? { count: 0, lockedUntil: 0 };
    this.failures.delete(key);
    entry.count++;
    const over = entry.count - this.options.maxFailures;
    if (over >= 0) entry.lockedUntil = this.now() + Math.min(MAX_LOCK_MS, this.options.lockMs * 2 ** Math.min(over, 20));
    this.failures.set(key, entry);
    while (this.failures.size > MAX_PAIRS) this.failures.delete(this.failures.keys().next().value!);
  }

  succeeded(userName: string, client: string): void {
    this.failures.delete(pairOf(userName, client));
  }
}

const pairOf = (userName: string, client: string) => `${userName.toLowerCase()}\u0000${client}`;

function limited(retryAfterMs: number): RelayError {
  return new RelayError('RATE_LIMITED', 'Too many sign-in attempts; wait before trying again.', { retryAfterMs: Math.ceil(retryAfterMs), reason: 'login-throttled' });
}
