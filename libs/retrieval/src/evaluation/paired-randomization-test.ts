/**
 * Two-sided paired randomization (sign-flip) test on per-query scores of two systems over the same queries, the
 * significance test Smucker, Allan & Carterette (CIKM 2007) recommend for IR: the p-value is the share of random
 * sign flips of the per-query differences whose mean is at least as far from 0 as the observed mean. The random
 * source is a seeded generator so a report is reproducible.
 */
export function pairedRandomizationTest(a: readonly number[], b: readonly number[], trials = 10_000, seed = 1): number {
  if (a.length !== b.length) throw new Error(`paired test needs the same queries for both systems, got ${a.length} and ${b.length} scores`);
  if (a.length === 0) return 1;
  const differences = a.map((x, i) => x - b[i]);
  const observed = Math.abs(differences.reduce((s, d) => s + d, 0));
  const random = mulberry32(seed);
  let atLeastAsExtreme = 0;
  for (let t = 0; t < trials; t++) {
    let sum = 0;
    for (const d of differences) sum += random() < 0.5 ? d : -d;
    // A tiny tolerance so float noise does not decide ties with the observed value.
    if (Math.abs(sum) >= observed - 1e-12) atLeastAsExtreme++;
  }
  return (atLeastAsExtreme + 1) / (trials + 1);
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
