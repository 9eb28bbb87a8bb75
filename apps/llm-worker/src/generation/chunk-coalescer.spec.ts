import { ChunkCoalescer } from './chunk-coalescer';

describe('ChunkCoalescer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('emits once the piece limit is reached', () => {
    const out: string[] = [];
    const c = new ChunkCoalescer(1000, 3, (d) => out.push(d));
    ['a', 'b', 'c', 'd'].forEach((p) => c.push(p));
    expect(out).toEqual(['abc']);
    c.flush();
    expect(out).toEqual(['abc', 'd']);
  });

  it('emits after the wait even with few pieces, and nothing when empty', () => {
    const out: string[] = [];
    const c = new ChunkCoalescer(25, 16, (d) => out.push(d));
    c.push('x');
    jest.advanceTimersByTime(24);
    expect(out).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(out).toEqual(['x']);
    c.flush();
    expect(out).toEqual(['x']);
  });

  it('passes every piece straight through with a zero wait', () => {
    const out: string[] = [];
    const c = new ChunkCoalescer(0, 16, (d) => out.push(d));
    c.push('a');
    c.push('');
    c.push('b');
    expect(out).toEqual(['a', 'b']);
  });
});
