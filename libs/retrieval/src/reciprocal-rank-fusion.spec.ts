import { reciprocalRankFusion } from './reciprocal-rank-fusion';

describe('reciprocalRankFusion', () => {
  it('sums 1/(k+rank) over the rankings that hold an item', () => {
    const fused = reciprocalRankFusion([['a', 'b', 'c'], ['c', 'a']], 60);
    expect(fused.map((f) => f.id)).toEqual(['a', 'c', 'b']);
    expect(fused[0].score).toBeCloseTo(1 / 61 + 1 / 62, 12);
    expect(fused[1].score).toBeCloseTo(1 / 63 + 1 / 61, 12);
    expect(fused[2].score).toBeCloseTo(1 / 62, 12);
  });

  it('puts an item found by both rankings above one found high by only one', () => {
    const fused = reciprocalRankFusion([['only-vector', 'both'], ['only-keyword', 'both']]);
    expect(fused[0].id).toBe('both');
  });

  it('lets a small k favour the top ranks more', () => {
    // a: first in one list; b: third in both lists.
    const rankings = [['a', 'x', 'b'], ['y', 'z', 'b']];
    expect(reciprocalRankFusion(rankings, 60)[0].id).toBe('b');
    expect(reciprocalRankFusion(rankings, 0)[0].id).toBe('a');
  });

  it('keeps first-seen order on ties, counts a repeated id once, and handles empty input', () => {
    expect(reciprocalRankFusion([['a'], ['b']]).map((f) => f.id)).toEqual(['a', 'b']);
    expect(reciprocalRankFusion([['a', 'a']])).toEqual([{ id: 'a', score: 1 / 61 }]);
    expect(reciprocalRankFusion([])).toEqual([]);
    expect(reciprocalRankFusion([[], []])).toEqual([]);
  });

  it('rejects a negative k', () => {
    expect(() => reciprocalRankFusion([['a']], -1)).toThrow('RRF k must be a number ≥ 0, got -1');
  });
});
