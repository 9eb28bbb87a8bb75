import { commonPrefixLength, SequencePool } from './sequence-pool';

interface FakeSequence {
  name: string;
  cached: number[];
}

function setup(...cached: number[][]) {
  const slots: FakeSequence[] = cached.map((c, i) => ({ name: `s${i}`, cached: c }));
  return { sut: new SequencePool(slots, (s) => s.cached), slots };
}

describe('SequencePool', () => {
  it('hands a prompt the idle sequence whose cache shares the longest prefix with it', async () => {
    const { sut } = setup([1, 2, 9], [1, 2, 3, 4, 7], [5, 6]);

    const lease = await sut.acquire([1, 2, 3, 4, 5, 6]);

    expect(lease.slot.name).toBe('s1');
    expect(lease.cachedPrefix).toBe(4);
  });

  it('between equal caches, takes the one idle the longest, keeping recent conversations cached', async () => {
    const { sut, slots } = setup([], [], []);
    const first = await sut.acquire([1]);
    const second = await sut.acquire([2]);
    sut.release(second.slot); // s1 idle again, more recently than s2
    sut.release(first.slot); // s0 idle most recently

    expect((await sut.acquire([7])).slot).toBe(slots[2]);
    expect((await sut.acquire([7])).slot).toBe(slots[1]);
  });

  it('makes callers wait when every sequence is busy, and serves them first come first served', async () => {
    const { sut, slots } = setup([]);
    const held = await sut.acquire([1]);
    const order: string[] = [];
    const a = sut.acquire([2]).then((l) => {
      order.push('a');
      return l;
    });
    const b = sut.acquire([3]).then((l) => {
      order.push('b');
      return l;
    });
    expect(sut.idleCount).toBe(0);

    sut.release(held.slot);
    sut.release((await a).slot);
    await b;

    expect(order).toEqual(['a', 'b']);
    expect((await b).slot).toBe(slots[0]);
  });

  it('in lowest-first, hands out the idle sequence with the lowest number, saying what its cache shares', async () => {
    const slots = [{ name: 's0', cached: [9] }, { name: 's1', cached: [1, 2, 3] }, { name: 's2', cached: [] }];
    const sut = new SequencePool(slots, (s) => s.cached, 'lowest-first');
    const first = await sut.acquire([1, 2, 3, 4]);
    const second = await sut.acquire([1, 2, 3, 4]);
    expect([first.slot.name, second.slot.name]).toEqual(['s0', 's1']);
    expect(second.cachedPrefix).toBe(3);
    sut.release(first.slot);
    expect((await sut.acquire([5])).slot.name).toBe('s0');
  });

  it('measures common prefixes', () => {
    expect(commonPrefixLength([1, 2, 3], [1, 2, 4])).toBe(2);
    expect(commonPrefixLength([], [1])).toBe(0);
    expect(commonPrefixLength([1, 2], [1, 2, 3])).toBe(2);
  });
});
