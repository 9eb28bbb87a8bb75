export interface RelevanceThresholds {
  /** Least cosine similarity of the best retrieved chunk to the question. */
  minScore: number;
  /** Least share of the question's term weight found in the best passage (see PassageSelector), 0–1. */
  minCoverage: number;
}

/** How relevant the retrieved sources are to the question, as the gate judged it. */
export interface Relevance {
  /** Best cosine similarity of a retrieved chunk to the question; null when nothing was retrieved. */
  bestScore: number | null;
  /** Best share of the question's term weight found in one passage; null when nothing was retrieved. */
  bestCoverage: number | null;
  relevant: boolean;
}

/**
 * Decides whether anything retrieved is relevant enough to answer from. Below either threshold the model is not
 * asked and the user is told plainly that the documents do not have it, since a small model given unrelated sources
 * invents an answer. The two signals fail differently: the embedding's cosine stays high for a question about a
 * neighbouring topic ("the kiln's weight" beside a kiln manual), while the question's rare words (weight) are then
 * missing from every passage. Thresholds are calibrated by `npm run eval:answers` (docs/benchmarks.md).
 */
export class RelevanceGate {
  constructor(private readonly thresholds: RelevanceThresholds) {}

  judge(candidates: Array<{ score: number; coverage: number }>): Relevance {
    if (candidates.length === 0) return { bestScore: null, bestCoverage: null, relevant: false };
    const bestScore = Math.max(...candidates.map((c) => c.score));
    const bestCoverage = Math.max(...candidates.map((c) => c.coverage));
    return {
      bestScore,
      bestCoverage,
      relevant: bestScore >= this.thresholds.minScore && bestCoverage >= this.thresholds.minCoverage,
    };
  }
}
