import { unitVector } from '@relay/testing';
import { maximalMarginalRelevance } from './mmr';

const item = (id: string, score: number, ...components: number[]) => ({ id, score, vector: unitVector(...components) });

describe('maximalMarginalRelevance', () => {
  const best = item('best', 0.9, 1, 0, 0);
  const nearDuplicate = item('near-duplicate', 0.89, 0.99, 0.01, 0);
  const diverse = item('diverse', 0.7, 0, 1, 0);

  it('prefers a diverse item over a near-duplicate of one already picked', () => {
    const picked = maximalMarginalRelevance([best, nearDuplicate, diverse], 2, 0.7);
    expect(picked.map((p) => p.id)).toEqual(['best', 'diverse']);
  });

  it('ranks by relevance alone when lambda is 1', () => {
    const picked = maximalMarginalRelevance([diverse, nearDuplicate, best], 3, 1);
    expect(picked.map((p) => p.id)).toEqual(['best', 'near-duplicate', 'diverse']);
  });

  it('picks the most relevant item first whatever the input order', () => {
    expect(maximalMarginalRelevance([diverse, nearDuplicate, best], 1, 0.5)[0].id).toBe('best');
  });

  it('returns at most k items, and all of them when there are fewer', () => {
    expect(maximalMarginalRelevance([best, nearDuplicate, diverse], 0, 0.7)).toEqual([]);
    expect(maximalMarginalRelevance([best, diverse], 5, 0.7)).toHaveLength(2);
    expect(maximalMarginalRelevance([], 3, 0.7)).toEqual([]);
  });

  it('does not modify the candidate list', () => {
    const candidates = [best, nearDuplicate, diverse];
    maximalMarginalRelevance(candidates, 2, 0.7);
    expect(candidates.map((c) => c.id)).toEqual(['best', 'near-duplicate', 'diverse']);
  });
});
