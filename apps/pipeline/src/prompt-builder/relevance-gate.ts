export interface RelevanceThresholds {
  /** Least cosine similarity of the best retrieved chunk to the question. */
  minScore: number;
  /** Least share of the question's term weight that the passages given to the model contain, 0–1. */
  minCoverage: number;
}

/** How relevant the retrieved sources are to the question, as the gate judged it. */
export interface Relevance {
  /** Best cosine similarity of a retrieved chunk to the question; null when nothing was retrieved. */
  bestScore: number | null;
  /** Share of the question's term weight in the passages the model would read (see PassageSelector). */
  coverage: number;
  relevant: boolean;
}

/**
 * Decides whether anything retrieved is relevant enough to answer from. Below either threshold the model is not
 * asked and the user is told plainly that the documents do not have it, since a small model given unrelated sources
 * invents an answer. The two signals fail differently: the embedding's cosine is low for a question about something
 * else entirely, but stays high for a question next to a topic the documents cover ("the kiln's weight" beside a
 * kiln manual); the question's own words tell that one apart: "weight" is in none of the passages. Thresholds are
 * calibrated by `npm run eval:answers` (docs/benchmarks.md).
 */
export class RelevanceGate {
  constructor(private readonly thresholds: RelevanceThresholds) {}

  judge(scores: number[], coverage: number): Relevance {
    if (scores.length === 0) return { bestScore: null, coverage, relevant: false };
    const bestScore = Math.max(...scores);
    return { bestScore, coverage, relevant: bestScore >= this.thresholds.minScore && coverage >= this.thresholds.minCoverage };
  }
}
