/** Percentile by nearest rank over a copy of the values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

export function summary(values: number[]): { p50: number; p99: number; n: number } {
  return { p50: round(percentile(values, 50), 3), p99: round(percentile(values, 99), 3), n: values.length };
}
