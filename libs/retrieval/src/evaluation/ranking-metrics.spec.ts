import { ndcgAt, recallAt, reciprocalRankAt } from './ranking-metrics';

const judgements = new Map([
  ['r1', 1],
  ['r2', 1],
  ['irrelevant', 0],
]);

describe('ranking metrics', () => {
  it('recall@k is the share of relevant documents in the top k', () => {
    expect(recallAt(['x', 'r1', 'y', 'r2'], judgements, 2)).toBe(0.5);
    expect(recallAt(['x', 'r1', 'y', 'r2'], judgements, 4)).toBe(1);
    expect(recallAt(['irrelevant'], judgements, 5)).toBe(0);
  });

  it('reciprocal rank@k is 1/rank of the first relevant document, 0 beyond k', () => {
    expect(reciprocalRankAt(['x', 'y', 'r2'], judgements, 10)).toBeCloseTo(1 / 3, 12);
    expect(reciprocalRankAt(['x', 'y', 'r2'], judgements, 2)).toBe(0);
    expect(reciprocalRankAt(['r1'], judgements, 10)).toBe(1);
  });

  it('nDCG@k discounts by log2(rank + 1) against the ideal ranking from the judgements', () => {
    expect(ndcgAt(['r1', 'r2'], judgements, 10)).toBeCloseTo(1, 12);
    const idcg = 1 + 1 / Math.log2(3);
    expect(ndcgAt(['x', 'r1', 'y', 'r2'], judgements, 10)).toBeCloseTo((1 / Math.log2(3) + 1 / Math.log2(5)) / idcg, 12);
    expect(ndcgAt(['x', 'r1', 'y', 'r2'], judgements, 3)).toBeCloseTo(1 / Math.log2(3) / idcg, 12);
    expect(ndcgAt([], judgements, 10)).toBe(0);
  });

  it('uses graded relevance as linear gain', () => {
    const graded = new Map([
      ['high', 2],
      ['low', 1],
    ]);
    const idcg = 2 + 1 / Math.log2(3);
    expect(ndcgAt(['low', 'high'], graded, 10)).toBeCloseTo((1 + 2 / Math.log2(3)) / idcg, 12);
  });

  it('scores 0 when a query has no relevant documents', () => {
    expect(ndcgAt(['a'], new Map([['a', 0]]), 10)).toBe(0);
    expect(recallAt(['a'], new Map(), 5)).toBe(0);
  });
});
