import { SendBatcher } from './send-batcher';

describe('SendBatcher', () => {
  it('sends the first item at once and everything that arrived meanwhile in the next batch, in order', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const batcher = new SendBatcher<number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
    }, 100);
    const first = batcher.send(0);
    const rest = [1, 2, 3, 4].map((n) => batcher.send(n));
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[0]]);
    release();
    await Promise.all([first, ...rest]);
    expect(batches).toEqual([[0], [1, 2, 3, 4]]);
  });

  it('never puts more than maxBatch items in one batch', async () => {
    const sizes: number[] = [];
    const batcher = new SendBatcher<number>(async (items) => void sizes.push(items.length), 3);
    await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.send(i)));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10);
  });

  it('fails every item of a failed batch and goes on with the next', async () => {
    let calls = 0;
    let release: () => void = () => undefined;
    const batcher = new SendBatcher<string>(async (items) => {
      calls++;
      if (calls === 1) await new Promise<void>((r) => (release = r));
      if (items.includes('bad')) throw new Error('broker said no');
    }, 10);
    const first = batcher.send('ok-0');
    const bad = [batcher.send('bad'), batcher.send('same-batch')];
    release();
    await first;
    await expect(bad[0]).rejects.toThrow('broker said no');
    await expect(bad[1]).rejects.toThrow('broker said no');
    await expect(batcher.send('after')).resolves.toBeUndefined();
  });
});
