/** Row-major unit vectors: row i is data[i*dim .. (i+1)*dim). */
export interface VectorSet {
  dim: number;
  count: number;
  data: Float32Array;
  /** The cluster each row was drawn from (sets made by ClusteredVectors.sample). */
  clusters?: Int32Array;
}

export const row = (set: VectorSet, i: number): Float32Array => set.data.subarray(i * set.dim, (i + 1) * set.dim);

/** Mulberry32: small, seeded, good enough for benchmark data that must be the same on every run. */
export function seededRandom(seed: number): { uniform: () => number; gauss: () => number } {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, gauss };
}

/**
 * A mixture of Gaussian clusters, each spread mostly along a few directions of its own, normalised: sentence
 * embeddings sit near low-dimensional manifolds rather than filling all 384 dimensions, and purely isotropic noise
 * would make a worst case no embedding model produces. `model` fixes the clusters; `seed` draws the points, so
 * corpus and held-out queries come from the same distribution.
 */
export class ClusteredVectors {
  private readonly centres: Float32Array[];
  private readonly bases: Float32Array[];

  constructor(
    readonly dim: number,
    readonly clusters: number,
    private readonly spread = { subspace: 32, along: 0.25, isotropic: 0.08 },
    model = 42,
  ) {
    const { gauss } = seededRandom(model);
    const unit = (n: number) => {
      const v = Float32Array.from({ length: n }, gauss);
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    };
    this.centres = Array.from({ length: clusters }, () => unit(dim));
    this.bases = Array.from({ length: clusters }, () => {
      const basis = new Float32Array(spread.subspace * dim);
      for (let r = 0; r < spread.subspace; r++) basis.set(unit(dim), r * dim);
      return basis;
    });
  }

  sample(count: number, seed: number): VectorSet {
    const { uniform, gauss } = seededRandom(seed);
    const { dim } = this;
    const data = new Float32Array(count * dim);
    const clusters = new Int32Array(count);
    const z = new Float32Array(this.spread.subspace);
    for (let i = 0; i < count; i++) {
      const c = Math.floor(uniform() * this.clusters);
      clusters[i] = c;
      const out = data.subarray(i * dim, (i + 1) * dim);
      out.set(this.centres[c]);
      for (let r = 0; r < z.length; r++) z[r] = gauss() * this.spread.along;
      const basis = this.bases[c];
      for (let r = 0; r < z.length; r++) for (let d = 0, o = r * dim; d < dim; d++) out[d] += z[r] * basis[o + d];
      let norm = 0;
      for (let d = 0; d < dim; d++) {
        out[d] += gauss() * this.spread.isotropic;
        norm += out[d] * out[d];
      }
      norm = Math.sqrt(norm);
      for (let d = 0; d < dim; d++) out[d] /= norm;
    }
    return { dim, count, data, clusters };
  }
}

/**
 * Exact top-k by inner product of every query against every base vector. Queries are taken in blocks of 8 so each
 * base row is read from memory once per block rather than once per query; a per-query insertion list keeps the top k
 * without sorting all scores. Returns ids row-major (queries.count × k).
 */
export function exactTopK(base: VectorSet, queries: VectorSet, k: number): Int32Array {
  const { dim } = base;
  const B = 8;
  const out = new Int32Array(queries.count * k);
  const scores = new Float32Array(B * k);
  const ids = new Int32Array(B * k);
  for (let q0 = 0; q0 < queries.count; q0 += B) {
    const nq = Math.min(B, queries.count - q0);
    scores.fill(-Infinity);
    ids.fill(-1);
    const qs = queries.data.subarray(q0 * dim, (q0 + nq) * dim);
    for (let j = 0; j < base.count; j++) {
      const o = j * dim;
      for (let b = 0; b < nq; b++) {
        let s = 0;
        for (let d = 0, qo = b * dim; d < dim; d++) s += base.data[o + d] * qs[qo + d];
        const at = b * k;
        if (s <= scores[at + k - 1]) continue;
        let p = k - 1;
        while (p > 0 && scores[at + p - 1] < s) {
          scores[at + p] = scores[at + p - 1];
          ids[at + p] = ids[at + p - 1];
          p--;
        }
        scores[at + p] = s;
        ids[at + p] = j;
      }
    }
    out.set(ids.subarray(0, nq * k), q0 * k);
  }
  return out;
}

/** Share of the true top-k ids (row-major, k per query) found among the returned ids. */
export function recallAtK(truth: Int32Array, found: ArrayLike<number>[], k: number): number {
  let hits = 0;
  found.forEach((ids, q) => {
    const want = new Set(truth.subarray(q * k, (q + 1) * k));
    for (let i = 0; i < Math.min(k, ids.length); i++) if (want.has(ids[i])) hits++;
  });
  return hits / (found.length * k);
}
