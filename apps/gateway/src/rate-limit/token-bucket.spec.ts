import { TokenBucket } from './token-bucket';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('TokenBucket', () => {
  it('allows a burst and then refuses, saying when the next token comes', () => {
    const time = clock();
    const bucket = new TokenBucket(2, 3, time.now);

    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
    expect(bucket.take()).toEqual({ allowed: false, retryAfterMs: 500 });
  });

  it('shortens retryAfterMs as time passes', () => {
    const time = clock();
    const bucket = new TokenBucket(1, 1, time.now);
    bucket.take();
    time.advance(300);
    expect(bucket.take()).toEqual({ allowed: false, retryAfterMs: 700 });
  });

  it('refills at the configured rate', () => {
    const time = clock();
    const bucket = new TokenBucket(4, 2, time.now);
    bucket.take();
    bucket.take();
    expect(bucket.take().allowed).toBe(false);

    time.advance(249);
    expect(bucket.take().allowed).toBe(false);
    time.advance(1);
    expect(bucket.take()).toEqual({ allowed: true });
    expect(bucket.take().allowed).toBe(false);
  });

  it('never holds more than the burst however long it idles', () => {
    const time = clock();
    const bucket = new TokenBucket(10, 3, time.now);
    time.advance(60_000);
    const results = Array.from({ length: 5 }, () => bucket.take().allowed);
    expect(results).toEqual([true, true, true, false, false]);
  });

  it('does not count refused attempts against the client', () => {
    const time = clock();
    const bucket = new TokenBucket(1, 1, time.now);
    bucket.take();
    for (let i = 0; i < 10; i++) bucket.take();
    time.advance(1_000);
    expect(bucket.take()).toEqual({ allowed: true });
  });
});
