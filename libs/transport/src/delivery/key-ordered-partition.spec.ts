import { KeyOrderedPartition, PartitionEntry } from './key-ordered-partition';

/** Pushes `keys` as records at positions 0, 1, 2, … */
function setup(keys: string[]) {
  const sut = new KeyOrderedPartition<string>();
  keys.forEach((key, i) => sut.push(`${key}${i}`, key, BigInt(i)));
  return sut;
}

function takeAll(sut: KeyOrderedPartition<string>): Array<PartitionEntry<string>> {
  const taken: Array<PartitionEntry<string>> = [];
  for (let e = sut.take(); e; e = sut.take()) taken.push(e);
  return taken;
}

describe('KeyOrderedPartition', () => {
  it('lets the first record of every key start at once and holds later records of a key back', () => {
    const sut = setup(['a', 'b', 'a', 'c', 'b']);
    expect(takeAll(sut).map((e) => e.record)).toEqual(['a0', 'b1', 'c3']);
  });

  it("starts a key's next record only once its previous one is done", () => {
    const sut = setup(['a', 'b', 'a', 'a']);
    const [a0, b1] = takeAll(sut);
    sut.finish(b1);
    expect(sut.take()).toBeUndefined();
    sut.finish(a0);
    const a2 = sut.take()!;
    expect(a2.record).toBe('a2');
    expect(sut.take()).toBeUndefined();
    sut.finish(a2);
    expect(sut.take()!.record).toBe('a3');
  });

  it('moves the commit position only over a gap-free prefix of done records', () => {
    const sut = setup(['a', 'b', 'c', 'd']);
    const [a0, b1, c2, d3] = takeAll(sut);
    expect(sut.finish(c2)).toBeUndefined();
    expect(sut.finish(b1)).toBeUndefined();
    expect(sut.buffered).toBe(4);
    // a0 was the gap: finishing it commits through c2 at once.
    expect(sut.finish(a0)).toBe(3n);
    expect(sut.buffered).toBe(1);
    expect(sut.finish(d3)).toBe(4n);
    expect(sut.buffered).toBe(0);
  });

  it('keeps positions that are not contiguous numbers (Kafka offsets with gaps) and commits one past the last done', () => {
    const sut = new KeyOrderedPartition<string>();
    sut.push('x', 'a', 10n);
    sut.push('y', 'b', 17n);
    const [x, y] = takeAll(sut);
    expect(sut.finish(y)).toBeUndefined();
    expect(sut.finish(x)).toBe(18n);
  });

  it('starts ready records lowest position first, whatever order their keys became free in', () => {
    const sut = setup(['a', 'b', 'a', 'b']);
    const [a0, b1] = takeAll(sut);
    sut.finish(b1); // b3 ready
    sut.finish(a0); // a2 ready, earlier than b3
    expect(takeAll(sut).map((e) => e.record)).toEqual(['a2', 'b3']);
  });

  it('refuses a position that does not follow the last one', () => {
    const sut = setup(['a', 'b']);
    expect(() => sut.push('again', 'c', 1n)).toThrow(/does not follow/);
  });

  it('on reset drops what was not taken, and records taken before still hold their key back but commit nothing', () => {
    const sut = setup(['a', 'b', 'a']);
    const [a0] = takeAll(sut); // a0 and b1 taken, a2 waiting
    sut.reset();
    expect(sut.buffered).toBe(0);
    expect(sut.take()).toBeUndefined();

    // Fetched again from the last commit (nothing was committed): positions restart at 0.
    sut.push('a0 again', 'a', 0n);
    sut.push('c', 'c', 1n);
    expect(takeAll(sut).map((e) => e.record)).toEqual(['c']);
    expect(sut.finish(a0)).toBeUndefined();
    expect(sut.take()!.record).toBe('a0 again');
  });

  it('refuses to finish an entry twice', () => {
    const sut = setup(['a']);
    const a0 = sut.take()!;
    sut.finish(a0);
    expect(() => sut.finish(a0)).toThrow(/finish of a done entry/);
  });
});
