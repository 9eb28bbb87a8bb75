/** Graded relevance of documents for one query (BEIR qrels): document id → grade; grade ≤ 0 is not relevant. */
export type Judgements = ReadonlyMap<string, number>;

/**
 * The measures BEIR reports (as pytrec_eval computes them), for one query's ranking of document ids, best first.
 * Average over queries for a run's figure; a query without relevant documents should be left out of the average.
 */
export function recallAt(ranking: readonly string[], judgements: Judgements, k: number): number {
  const relevant = [...judgements].filter(([, grade]) => grade > 0).length;
  if (relevant === 0) return 0;
  return ranking.slice(0, k).filter((id) => (judgements.get(id) ?? 0) > 0).length / relevant;
}

/** 1 / rank of the first relevant document within the top k, 0 if none. */
export function reciprocalRankAt(ranking: readonly string[], judgements: Judgements, k: number): number {
  const index = ranking.slice(0, k).findIndex((id) => (judgements.get(id) ?? 0) > 0);
  return index < 0 ? 0 : 1 / (index + 1);
}

/** nDCG@k with trec_eval's linear gain (the grade) and log2(rank + 1) discount; the ideal ranking comes from the judgements. */
export function ndcgAt(ranking: readonly string[], judgements: Judgements, k: number): number {
  const dcg = (grades: number[]) => grades.slice(0, k).reduce((sum, grade, i) => sum + grade / Math.log2(i + 2), 0);
  const ideal = dcg([...judgements.values()].filter((g) => g > 0).sort((a, b) => b - a));
  if (ideal === 0) return 0;
  return dcg(ranking.map((id) => Math.max(0, judgements.get(id) ?? 0))) / ideal;
}
