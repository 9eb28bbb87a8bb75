import { convexCombination } from './convex-combination';

describe('convexCombination', () => {
  const candidates = [
    { id: 'vector-best', vectorScore: 0.8, keywordScore: 2 },
    { id: 'keyword-best', vectorScore: 0.5, keywordScore: 12 },
    { id: 'middle', vectorScore: 0.7, keywordScore: 8 },
  ];

  it('weights normalised cosine by alpha and normalised BM25 by 1 − alpha', () => {
    const fused = convexCombination(candidates, 0.5);
    // normalised: vector-best (1, 0), keyword-best (0, 1), middle (2/3, 0.6)
    expect(fused.map((f) => f.id)).toEqual(['middle', 'vector-best', 'keyword-best']);
    expect(fused[0].score).toBeCloseTo(0.5 * (2 / 3) + 0.5 * 0.6, 12);
  });

  it('ranks by one kind of score alone at alpha 1 or 0', () => {
    expect(convexCombination(candidates, 1).map((f) => f.id)).toEqual(['vector-best', 'middle', 'keyword-best']);
    expect(convexCombination(candidates, 0).map((f) => f.id)).toEqual(['keyword-best', 'middle', 'vector-best']);
  });

  it('counts a missing score as the minimum of its list', () => {
    const fused = convexCombination([{ id: 'both', vectorScore: 0.6, keywordScore: 5 }, { id: 'vector-only', vectorScore: 0.9 }, { id: 'low', vectorScore: 0.3, keywordScore: 1 }], 0.5);
    expect(fused.find((f) => f.id === 'vector-only')!.score).toBeCloseTo(0.5, 12);
    expect(fused.map((f) => f.id)).toEqual(['both', 'vector-only', 'low']);
  });

  it('gives full weight to scores that are all equal, and returns nothing for no candidates', () => {
    expect(convexCombination([{ id: 'a', vectorScore: 0.4, keywordScore: 3 }], 0.3)).toEqual([{ id: 'a', score: 1 }]);
    expect(convexCombination([], 0.5)).toEqual([]);
  });

  it('rejects alpha outside [0, 1]', () => {
    expect(() => convexCombination(candidates, 1.2)).toThrow('convex combination alpha must be between 0 and 1, got 1.2');
  });
});
