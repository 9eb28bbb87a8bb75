import { HnswVectorStore, type ChunkFilter } from '@relay/vector-store';
import { row, seededRandom, type VectorSet } from './clustered-vectors';
import { percentile, round } from './stats';

/**
 * Filtered search on the HNSW adapter (issue 13: retrieval only inside the collections a user may read), measured on
 * the index the unfiltered benchmark built. Every point is in one of BUCKETS collections (`b<n>`, drawn at random)
 * and its cluster is its document (`cluster-<c>`), so a scope of s × BUCKETS collections lets through a share s of
 * the points, spread like the whole index, and a scope of documents can be made to miss the query's neighbourhood.
 * Each filter is answered two ways, on the same graph: by hnswlib's filtered search (the filter callback, what the
 * adapter does for a large allow-list) and by the exact scan of the allow-list (what it does for a small one).
 */
export const BUCKETS = 10_000;

/** Seeded bucket of every point: its collection is `b<bucket>`. */
export function bucketsOf(n: number, seed = 7): Int32Array {
  const { uniform } = seededRandom(seed);
  return Int32Array.from({ length: n }, () => Math.floor(uniform() * BUCKETS));
}

interface Scenario {
  name: string;
  /** The filter for query q, and which base rows it lets through. */
  filterFor(q: number): { filter: ChunkFilter; passes: (i: number) => boolean };
}

interface PathFigures {
  recallAt10: number;
  /** Share of queries that came back with fewer than min(k, passing) hits. */
  short: number;
  p50Ms: number;
  p99Ms: number;
}

const K = 10;

/** Exact top-k among the base rows that pass, by inner product (rows are unit vectors). */
function exactAmong(base: VectorSet, query: Float32Array, passes: (i: number) => boolean, k: number): number[] {
  const top: Array<{ i: number; s: number }> = [];
  const { dim, data } = base;
  for (let i = 0; i < base.count; i++) {
    if (!passes(i)) continue;
    let s = 0;
    for (let d = 0, o = i * dim; d < dim; d++) s += data[o + d] * query[d];
    if (top.length === k && s <= top[k - 1].s) continue;
    let p = Math.min(top.length, k - 1);
    if (top.length < k) top.push({ i, s });
    while (p > 0 && top[p - 1].s < s) {
      top[p] = top[p - 1];
      p--;
    }
    top[p] = { i, s };
  }
  return top.map((t) => t.i);
}

async function run(store: HnswVectorStore, queries: VectorSet, count: number, scenario: Scenario, truth: number[][]): Promise<PathFigures> {
  const latencies: number[] = [];
  let found = 0;
  let wanted = 0;
  let short = 0;
  for (let q = 0; q < count; q++) {
    const { filter } = scenario.filterFor(q);
    const t = performance.now();
    const hits = await store.search(row(queries, q), K, filter);
    latencies.push(performance.now() - t);
    const want = new Set(truth[q]);
    found += hits.filter((h) => want.has(Number(h.chunk.chunkId))).length;
    wanted += want.size;
    if (hits.length < want.size) short++;
  }
  return { recallAt10: round(wanted ? found / wanted : 1, 4), short: round(short / count, 4), p50Ms: round(percentile(latencies, 50), 3), p99Ms: round(percentile(latencies, 99), 3) };
}

/** Runs every scenario on the saved index under `dir`; `log` gets one line per scenario. */
export async function filteredSearch(dir: string, base: VectorSet, queries: VectorSet, buckets: Int32Array, options: { efSearch: number; queries: number; log: (line: string) => void }) {
  const count = Math.min(options.queries, queries.count);
  const clusters = base.clusters!;
  const queryClusters = queries.clusters!;
  const clusterCount = Math.max(...clusters) + 1;
  // Two adapters over the same saved graph: one always walks the graph with the filter, one always scans the allow-list.
  const graph = new HnswVectorStore(dir, { efSearch: options.efSearch, exactFilterLimit: 1 });
  const scan = new HnswVectorStore(dir, { efSearch: options.efSearch, exactFilterLimit: base.count });
  await Promise.all([graph.onModuleInit(), scan.onModuleInit()]);

  const unfilteredMs: number[] = [];
  for (let q = 0; q < count; q++) {
    const t = performance.now();
    await graph.search(row(queries, q), K);
    unfilteredMs.push(performance.now() - t);
  }

  const byShare = (share: number): Scenario => {
    const limit = Math.max(1, Math.round(share * BUCKETS));
    const collectionIds = Array.from({ length: limit }, (_, b) => `b${b}`);
    return { name: `random ${share * 100}%`, filterFor: () => ({ filter: { collectionIds }, passes: (i) => buckets[i] < limit }) };
  };
  const scenarios: Scenario[] = [
    ...[0.5, 0.1, 0.01, 0.001, 0.0001].map(byShare),
    {
      // One cluster the query is not in: every passing point lies outside the query's neighbourhood.
      name: 'one other cluster',
      filterFor: (q) => {
        const c = (queryClusters[q] + 1) % clusterCount;
        return { filter: { documentIds: [`cluster-${c}`] }, passes: (i) => clusters[i] === c };
      },
    },
    {
      // Every cluster but the query's own, as an exclusion (as a document being deleted is): almost everything passes,
      // but nothing near the query does.
      name: 'all but its own cluster, excluded',
      filterFor: (q) => {
        const own = queryClusters[q];
        return { filter: { excludedDocumentIds: [`cluster-${own}`] }, passes: (i) => clusters[i] !== own };
      },
    },
    {
      // The same points as an allow-list of documents: the graph store answers it with the filter callback.
      name: 'all but its own cluster, allowed',
      filterFor: (q) => {
        const own = queryClusters[q];
        const documentIds = Array.from({ length: clusterCount }, (_, c) => `cluster-${c}`).filter((_, c) => c !== own);
        return { filter: { documentIds }, passes: (i) => clusters[i] !== own };
      },
    },
  ];

  const rows = [];
  for (const scenario of scenarios) {
    const truth = Array.from({ length: count }, (_, q) => exactAmong(base, row(queries, q), scenario.filterFor(q).passes, K));
    let passing = 0;
    for (let q = 0; q < Math.min(count, 20); q++) for (let i = 0; i < base.count; i++) if (scenario.filterFor(q).passes(i)) passing++;
    const graphFigures = await run(graph, queries, count, scenario, truth);
    const scanFigures = await run(scan, queries, count, scenario, truth);
    const result = { scenario: scenario.name, passing: Math.round(passing / Math.min(count, 20)), graph: graphFigures, scan: scanFigures };
    options.log(
      `filtered ${scenario.name} (${result.passing} of ${base.count} pass): graph recall@10 ${graphFigures.recallAt10}, short ${graphFigures.short}, ` +
        `p50 ${graphFigures.p50Ms} ms p99 ${graphFigures.p99Ms} ms; exact scan recall@10 ${scanFigures.recallAt10}, p50 ${scanFigures.p50Ms} ms p99 ${scanFigures.p99Ms} ms`,
    );
    rows.push(result);
  }
  return { queries: count, k: K, unfiltered: { p50Ms: round(percentile(unfilteredMs, 50), 3), p99Ms: round(percentile(unfilteredMs, 99), 3) }, scenarios: rows };
}
