import type { Embedder } from '../embedder.port';
import { MicroBatchingEmbedder } from './micro-batching-embedder';

/** Embeds each text as [length, call number]; a call resolves only when the test releases it. */
class GatedEmbedder implements Embedder {
  readonly modelName = 'gated';
  readonly dimension = 2;
  readonly calls: string[][] = [];
  private releases: Array<() => void> = [];
  failNext = false;

  isReady(): boolean {
    return true;
  }

  embed(texts: string[]): Promise<Float32Array[]> {
    this.calls.push(texts);
    const call = this.calls.length;
    const fail = this.failNext;
    this.failNext = false;
    return new Promise((resolve, reject) =>
      this.releases.push(() => (fail ? reject(new Error('model failed')) : resolve(texts.map((t) => Float32Array.of(t.length, call))))),
    );
  }

  release(): void {
    this.releases.shift()?.();
  }
}

const settle = () => new Promise((r) => setImmediate(r));

function setup(maxBatch = 4, maxWaitMs = 5) {
  const inner = new GatedEmbedder();
  return { inner, sut: new MicroBatchingEmbedder(inner, { maxBatch, maxWaitMs }) };
}

describe('MicroBatchingEmbedder', () => {
  it('sends concurrent callers in one model call and gives each its own vectors', async () => {
    const { inner, sut } = setup(8, 5);
    const a = sut.embed(['a', 'bb']);
    const b = sut.embed(['ccc']);
    await new Promise((r) => setTimeout(r, 20));
    expect(inner.calls).toEqual([['a', 'bb', 'ccc']]);
    inner.release();
    expect((await a).map((v) => v[0])).toEqual([1, 2]);
    expect((await b).map((v) => v[0])).toEqual([3]);
  });

  it('flushes at once when a batch is full, without waiting', async () => {
    const { inner, sut } = setup(2, 60_000);
    void sut.embed(['a']);
    void sut.embed(['b']);
    await settle();
    expect(inner.calls).toEqual([['a', 'b']]);
  });

  it('batches what arrives while the model is busy into the next call', async () => {
    const { inner, sut } = setup(4, 0);
    const first = sut.embed(['a']);
    await settle();
    const later = [sut.embed(['b']), sut.embed(['c', 'd'])];
    await settle();
    expect(inner.calls).toHaveLength(1);
    inner.release();
    await first;
    await settle();
    expect(inner.calls[1]).toEqual(['b', 'c', 'd']);
    inner.release();
    expect((await Promise.all(later)).flat().map((v) => v[1])).toEqual([2, 2, 2]);
  });

  it('splits a request larger than a batch into several model calls', async () => {
    const { inner, sut } = setup(2, 0);
    const all = sut.embed(['a', 'b', 'c', 'd', 'e']);
    for (let i = 0; i < 3; i++) {
      await settle();
      inner.release();
    }
    expect((await all).map((v) => v[1])).toEqual([1, 1, 2, 2, 3]);
    expect(inner.calls.map((c) => c.length)).toEqual([2, 2, 1]);
  });

  it('rejects every caller of a failed batch and keeps serving the next ones', async () => {
    const { inner, sut } = setup(4, 0);
    inner.failNext = true;
    const failed = sut.embed(['a']);
    await settle();
    inner.release();
    await expect(failed).rejects.toThrow('model failed');
    const next = sut.embed(['b']);
    await settle();
    inner.release();
    expect((await next)[0][0]).toBe(1);
  });
});
