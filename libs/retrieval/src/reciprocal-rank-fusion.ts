export interface FusedItem {
  id: string;
  /** Σ 1 / (k + rank) over the rankings that hold the item (rank from 1). */
  score: number;
}

/**
 * Reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009): merges rankings by rank alone, so scores on
 * different scales (BM25, cosine) need no calibration. k damps the weight of the very top ranks; 60 is the paper's
 * value. Best first; ties keep the order in which the items were first seen.
 */
export function reciprocalRankFusion(rankings: ReadonlyArray<ReadonlyArray<string>>, k = 60): FusedItem[] {
  if (!(k >= 0)) throw new Error(`RRF k must be a number ≥ 0, got ${k}`);
  const scores = new Map<string, number>();
  for (const ranking of rankings) {
    const seen = new Set<string>();
    ranking.forEach((id, index) => {
      // An id listed twice in one ranking counts once, at its best rank.
      if (seen.has(id)) return;
      seen.add(id);
      scores.set(id, (scores.get(id) ?? 0) + 1 / (k + index + 1));
    });
  }
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}
