import { ConcurrencyLimit } from './concurrency-limit';

const tick = () => new Promise((r) => setImmediate(r));

describe('ConcurrencyLimit', () => {
  it('never runs more than its limit at once, and runs every task', async () => {
    const limit = new ConcurrencyLimit(2);
    let running = 0;
    let peak = 0;
    const release: Array<() => void> = [];
    const tasks = Array.from({ length: 5 }, (_, i) =>
      limit.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((r) => release.push(r));
        running--;
        return i;
      }),
    );
    for (let i = 0; i < 5; i++) {
      await tick();
      expect(running).toBeLessThanOrEqual(2);
      release.shift()?.();
    }
    await tick();
    release.forEach((r) => r());
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(limit.running).toBe(0);
  });

  it('starts waiters in arrival order and frees the slot when a task throws', async () => {
    const limit = new ConcurrencyLimit(1);
    const order: string[] = [];
    const failing = limit.run(async () => {
      order.push('a');
      throw new Error('boom');
    });
    const b = limit.run(async () => void order.push('b'));
    const c = limit.run(async () => void order.push('c'));
    await expect(failing).rejects.toThrow('boom');
    await Promise.all([b, c]);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(limit.running).toBe(0);
  });

  it('refuses a limit below 1', () => {
    expect(() => new ConcurrencyLimit(0)).toThrow(/positive integer/);
  });
});
