export interface ScoredCandidate {
  id: string;
  /** Cosine similarity to the query, if known. */
  vectorScore?: number;
  /** BM25 score, if the keyword index returned the candidate. */
  keywordScore?: number;
}

/**
 * Convex combination of min-max normalised scores, α·cosine + (1−α)·BM25, the fusion Bruch, Gai & Ingber (ACM
 * TOIS 2023, "An Analysis of Fusion Functions for Hybrid Retrieval") found to beat RRF, because it keeps how far
 * apart the scores are, which ranks throw away. Each score is min-max normalised over the candidates that have it;
 * a candidate without one (not in that list's top-N) counts as that list's minimum, 0. Best first, stable on ties.
 */
export function convexCombination(candidates: ReadonlyArray<ScoredCandidate>, alpha: number): Array<{ id: string; score: number }> {
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`convex combination alpha must be between 0 and 1, got ${alpha}`);
  const vector = minMax(candidates.map((c) => c.vectorScore));
  const keyword = minMax(candidates.map((c) => c.keywordScore));
  return candidates
    .map((c, i) => ({ id: c.id, score: alpha * vector[i] + (1 - alpha) * keyword[i] }))
    .sort((a, b) => b.score - a.score);
}

/** Scales present scores to [0, 1] (all equal → 1); absent ones become 0. */
function minMax(scores: Array<number | undefined>): number[] {
  const present = scores.filter((s): s is number => s !== undefined);
  const min = Math.min(...present);
  const max = Math.max(...present);
  return scores.map((s) => (s === undefined ? 0 : max > min ? (s - min) / (max - min) : 1));
}
