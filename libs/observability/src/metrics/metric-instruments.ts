/**
 * The metrics port: what a stage records with, without knowing Prometheus. Label values are given per call; the
 * label names are fixed when the instrument is defined (see metric-labels.ts for the names that may be used).
 */
export type MetricLabelValues<L extends string> = Partial<Record<L, string>>;

/** Only goes up (records handled, tokens generated). Named `relay_…_total`. */
export interface CounterMetric<L extends string = never> {
  inc(labels?: MetricLabelValues<L>, value?: number): void;
}

/** A value that goes up and down (sockets connected). */
export interface GaugeMetric<L extends string = never> {
  set(labels: MetricLabelValues<L>, value: number): void;
  inc(labels?: MetricLabelValues<L>, value?: number): void;
  dec(labels?: MetricLabelValues<L>, value?: number): void;
}

/** A distribution (durations in seconds, sizes): count, sum and cumulative buckets. */
export interface HistogramMetric<L extends string = never> {
  observe(labels: MetricLabelValues<L>, value: number): void;
}
