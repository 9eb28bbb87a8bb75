import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CounterMetric, GaugeMetric, HistogramMetric, MetricLabelValues } from './metric-instruments';
import { assertMetricDefinition, MetricLabelName, MetricType } from './metric-labels';

/**
 * Series one metric may have before further label sets fold into `other`: a guard, should a label ever be given a
 * per-session value by mistake, that keeps one process's exposition (and Prometheus) from growing without bound.
 */
export const MAX_SERIES_PER_METRIC = 200;
const OVERFLOW_VALUE = 'other';

export interface MetricsRegistryOptions {
  /** Off: every instrument does nothing (the benchmark's baseline, measuring what metrics cost). */
  enabled?: boolean;
}

/**
 * The Prometheus adapter of the metrics port (prom-client), one per process: it defines the instruments, checking
 * each name and label against Relay's conventions, and renders the text exposition for GET /metrics.
 */
export class MetricsRegistry {
  readonly registry = new Registry();
  readonly enabled: boolean;
  private defaultsCollected = false;

  constructor(options: MetricsRegistryOptions = {}) {
    this.enabled = options.enabled ?? true;
  }

  counter<L extends MetricLabelName = never>(name: string, help: string, labelNames: readonly L[] = []): CounterMetric<L> {
    assertMetricDefinition('counter', name, labelNames);
    if (!this.enabled) return { inc: () => undefined };
    const counter = new Counter<string>({ name, help, labelNames: [...labelNames], registers: [this.registry] });
    const bounded = new BoundedLabels(labelNames);
    return { inc: (labels, value = 1) => (labels ? counter.inc(bounded.of(labels), value) : counter.inc(value)) };
  }

  gauge<L extends MetricLabelName = never>(name: string, help: string, labelNames: readonly L[] = []): GaugeMetric<L> {
    assertMetricDefinition('gauge', name, labelNames);
    if (!this.enabled) return { set: () => undefined, inc: () => undefined, dec: () => undefined };
    const gauge = new Gauge<string>({ name, help, labelNames: [...labelNames], registers: [this.registry] });
    const bounded = new BoundedLabels(labelNames);
    return {
      set: (labels, value) => gauge.set(bounded.of(labels), value),
      inc: (labels, value = 1) => (labels ? gauge.inc(bounded.of(labels), value) : gauge.inc(value)),
      dec: (labels, value = 1) => (labels ? gauge.dec(bounded.of(labels), value) : gauge.dec(value)),
    };
  }

  /**
   * A gauge read when Prometheus scrapes, from state the process keeps anyway (a queue's length): nothing to keep
   * in step on the hot path. `read` returns one value per label set.
   */
  observedGauge<L extends MetricLabelName = never>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: () => Array<[MetricLabelValues<L>, number]> | Promise<Array<[MetricLabelValues<L>, number]>>,
  ): void {
    assertMetricDefinition('gauge', name, labelNames);
    if (!this.enabled) return;
    // The latest reader wins (a module built again in the same process, as tests do).
    this.registry.removeSingleMetric(name);
    const bounded = new BoundedLabels(labelNames);
    new Gauge<string>({
      name,
      help,
      labelNames: [...labelNames],
      registers: [this.registry],
      async collect() {
        // A reading that fails (a broker that does not answer) leaves the gauge empty rather than failing the scrape.
        const samples = await Promise.resolve()
          .then(read)
          .catch(() => []);
        this.reset();
        for (const [labels, value] of samples) this.set(bounded.of(labels), value);
      },
    });
  }

  histogram<L extends MetricLabelName = never>(name: string, help: string, labelNames: readonly L[], buckets: readonly number[]): HistogramMetric<L> {
    assertMetricDefinition('histogram', name, labelNames);
    if (!this.enabled) return { observe: () => undefined };
    const histogram = new Histogram<string>({ name, help, labelNames: [...labelNames], buckets: [...buckets], registers: [this.registry] });
    const bounded = new BoundedLabels(labelNames);
    return { observe: (labels, value) => histogram.observe(bounded.of(labels), value) };
  }

  /** Adds the process's own metrics (CPU, memory, event-loop lag, GC, handles), prefixed `relay_process_…`/`relay_nodejs_…`. */
  collectProcessMetrics(): void {
    if (!this.enabled || this.defaultsCollected) return;
    this.defaultsCollected = true;
    collectDefaultMetrics({ register: this.registry, prefix: 'relay_' });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition format, as GET /metrics serves it. */
  expose(): Promise<string> {
    return this.registry.metrics();
  }

  /** Every metric name registered (the alert-rule and dashboard tests check their queries against it). */
  metricNames(): string[] {
    return this.registry.getMetricsAsArray().map((metric) => metric.name);
  }
}

/** Keeps one metric's label sets under MAX_SERIES_PER_METRIC, folding any beyond into `other`. */
class BoundedLabels<L extends string> {
  private readonly seen = new Set<string>();
  private readonly overflow: Record<string, string>;

  constructor(private readonly names: readonly L[]) {
    this.overflow = Object.fromEntries(names.map((name) => [name, OVERFLOW_VALUE]));
  }

  of(labels: MetricLabelValues<L>): Record<string, string> {
    if (this.names.length === 0) return {};
    let key = '';
    for (const name of this.names) key += `${labels[name] ?? ''}\u0001`;
    if (this.seen.has(key)) return labels as Record<string, string>;
    if (this.seen.size >= MAX_SERIES_PER_METRIC) return this.overflow;
    this.seen.add(key);
    return labels as Record<string, string>;
  }
}
