import { KeyedRateLimiter } from './keyed-rate-limiter';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('KeyedRateLimiter', () => {
  it('gives each key its own bucket', () => {
    const limiter = new KeyedRateLimiter({ ratePerSec: 1, burst: 2 }, 100, clock().now);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')].map((d) => d.allowed)).toEqual([true, true, false]);
    expect(limiter.take('b').allowed).toBe(true);
  });

  it('forgets a bucket once it has refilled, so idle keys cost nothing', () => {
    const time = clock();
    const limiter = new KeyedRateLimiter({ ratePerSec: 2, burst: 4 }, 100, time.now);
    for (let i = 0; i < 50; i++) limiter.take(`k${i}`);
    expect(limiter.size).toBe(50);
    time.advance(200); // not full yet: kept
    limiter.take('x');
    expect(limiter.size).toBe(51);
    time.advance(1500); // full again: dropped
    limiter.take('y');
    expect(limiter.size).toBe(1);
  });

  it('keeps at most maxKeys, evicting the least recently used', () => {
    const limiter = new KeyedRateLimiter({ ratePerSec: 1, burst: 1 }, 3, clock().now);
    for (const k of ['a', 'b', 'c']) limiter.take(k);
    limiter.take('a'); // a is now the most recent
    limiter.take('d');
    expect(limiter.size).toBe(3);
    expect(limiter.take('a').allowed).toBe(false); // still limited: it was kept
    expect(limiter.take('b').allowed).toBe(true); // evicted, so new and full
  });
});
