import { ParseQueue } from './parse-queue';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('ParseQueue', () => {
  it('runs at most `concurrency` at once, queues `queueLimit` more in order, and refuses the rest with BUSY', async () => {
    const queue = new ParseQueue(2, 2);
    const gates = Array.from({ length: 4 }, deferred);
    const order: number[] = [];
    const runs = gates.map((g, i) => queue.run(async () => (await g.promise, order.push(i), i)));
    await expect(queue.run(async () => 99)).rejects.toMatchObject({ code: 'BUSY', details: { retryAfterMs: expect.any(Number) } });
    gates[3].resolve();
    gates[2].resolve();
    gates[1].resolve();
    gates[0].resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(queue.peak).toBe(2);
    // Queued ones start only as slots free up, in arrival order.
    expect(order.indexOf(2)).toBeGreaterThan(order.indexOf(1));
  });

  it('frees its slot when a parse fails', async () => {
    const queue = new ParseQueue(1, 0);
    await expect(queue.run(async () => Promise.reject(new Error('bad file')))).rejects.toThrow('bad file');
    expect(await queue.run(async () => 'next')).toBe('next');
  });
});
