/**
 * The label names a Relay metric may carry. Each has a small, closed set of values (stage and topic names, outcome
 * words, error codes, model file names, partition numbers, consumer groups, the surface a request came in on), so a label can never multiply the
 * series by the number of sessions, users or messages. Anything per-message belongs in logs, not in metrics.
 */
export const METRIC_LABEL_NAMES = ['stage', 'topic', 'outcome', 'model', 'reason', 'code', 'index', 'group', 'partition', 'kind', 'surface'] as const;
export type MetricLabelName = (typeof METRIC_LABEL_NAMES)[number];

const ALLOWED: ReadonlySet<string> = new Set(METRIC_LABEL_NAMES);

/** The prefix every Relay metric carries, so they are found together and never collide with a library's. */
export const METRIC_PREFIX = 'relay_';

export type MetricType = 'counter' | 'gauge' | 'histogram';

/**
 * Throws unless `name` and `labels` follow Prometheus' conventions as Relay applies them: the `relay_` prefix, snake
 * case, counters ending in `_total`, durations in seconds (`_seconds`, never `_ms`), and only the allowed labels.
 */
export function assertMetricDefinition(type: MetricType, name: string, labels: readonly string[]): void {
  if (!name.startsWith(METRIC_PREFIX)) throw new Error(`metric ${name}: must start with ${METRIC_PREFIX}`);
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`metric ${name}: must be snake_case`);
  if (type === 'counter' && !name.endsWith('_total')) throw new Error(`metric ${name}: a counter's name ends in _total`);
  if (type !== 'counter' && name.endsWith('_total')) throw new Error(`metric ${name}: only counters end in _total`);
  if (/_(ms|milliseconds|minutes|us)(_|$)/.test(name)) throw new Error(`metric ${name}: durations are in seconds (base units)`);
  for (const label of labels) {
    if (!ALLOWED.has(label)) throw new Error(`metric ${name}: label "${label}" is not one of ${METRIC_LABEL_NAMES.join(', ')} (labels must have few values)`);
  }
}
