import { dot } from '@relay/vector-store';

/**
 * Maximal marginal relevance: picks k items one at a time, each maximising
 * λ·relevance − (1−λ)·(highest similarity to an item already picked), so near-duplicate passages don't crowd
 * out the rest. Vectors must be normalised (similarity = dot product).
 */
export function maximalMarginalRelevance<T extends { vector: Float32Array; score: number }>(
  candidates: T[],
  k: number,
  lambda: number,
): T[] {
  const picked: T[] = [];
  const left = [...candidates];
  while (picked.length < k && left.length > 0) {
    let best = 0;
    let bestValue = -Infinity;
    for (let i = 0; i < left.length; i++) {
      const redundancy = picked.length === 0 ? 0 : Math.max(...picked.map((p) => dot(p.vector, left[i].vector)));
      const value = lambda * left[i].score - (1 - lambda) * redundancy;
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    picked.push(left.splice(best, 1)[0]);
  }
  return picked;
}
