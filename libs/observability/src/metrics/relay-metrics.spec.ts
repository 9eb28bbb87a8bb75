import { METRIC_LABEL_NAMES } from './metric-labels';
import { MAX_SERIES_PER_METRIC, MetricsRegistry } from './metrics-registry';
import { RelayMetrics } from './relay-metrics';

describe('RelayMetrics', () => {
  it('names every metric by the conventions: relay_ prefix, _total counters only, seconds, allowed labels', async () => {
    const metrics = new RelayMetrics();
    metrics.observeGenerationQueue(() => ({ busy: 1, waiting: 2 }));
    metrics.observeGateway(() => ({ sockets: 3, answersInFlight: 4 }));
    metrics.observeTransportQueue(() => [[{ topic: 'chat.queries' }, 5]]);
    const all = metrics.registry.registry.getMetricsAsArray();
    expect(all.length).toBeGreaterThanOrEqual(20);
    for (const metric of all) {
      const { name, type, labelNames } = metric as unknown as { name: string; type: string; labelNames: string[] };
      expect(name).toMatch(/^relay_[a-z0-9_]+$/);
      expect(name.endsWith('_total')).toBe(type === 'counter');
      expect(name).not.toMatch(/_ms($|_)/);
      for (const label of labelNames) expect(METRIC_LABEL_NAMES).toContain(label);
    }
  });

  it('refuses a label that could hold a session, user or message id, and names that break the conventions', () => {
    const registry = new MetricsRegistry();
    expect(() => registry.counter('relay_messages_total', 'x', ['sessionId' as never])).toThrow(/label "sessionId"/);
    expect(() => registry.counter('relay_messages_total', 'x', ['userId' as never])).toThrow(/label "userId"/);
    expect(() => registry.counter('relay_messages', 'x')).toThrow(/_total/);
    expect(() => registry.gauge('relay_queue_total', 'x')).toThrow(/only counters/);
    expect(() => registry.histogram('relay_latency_ms', 'x', [], [1])).toThrow(/seconds/);
    expect(() => registry.counter('messages_total', 'x')).toThrow(/relay_/);
  });

  it('keeps the series of a metric bounded even if 1,000 sessions were put in a label by mistake', async () => {
    const metrics = new RelayMetrics();
    for (let i = 0; i < 1000; i++) metrics.stageRecords.inc({ stage: `session-${i}`, outcome: 'handled' });
    const values = (await metrics.registry.registry.getSingleMetric('relay_stage_records_total')!.get()).values;
    expect(values.length).toBe(MAX_SERIES_PER_METRIC + 1);
    // Nothing is lost: the overflow is counted under `other`.
    expect(values.reduce((sum, v) => sum + v.value, 0)).toBe(1000);
    expect(values.find((v) => v.labels.stage === 'other')?.value).toBe(1000 - MAX_SERIES_PER_METRIC);
  });

  it('exposes the text format with the values recorded and the gauges read at scrape time', async () => {
    const metrics = new RelayMetrics();
    let waiting = 2;
    metrics.observeGenerationQueue(() => ({ busy: 1, waiting }));
    metrics.timeToFirstTokenSeconds.observe({ model: 'smollm2' }, 0.7);
    metrics.refusals.inc({ surface: 'http', code: 'BUSY' });
    waiting = 7;
    const text = await metrics.registry.expose();
    expect(text).toContain('relay_llm_sequences{kind="waiting"} 7');
    expect(text).toContain('relay_llm_time_to_first_token_seconds_bucket{le="1",model="smollm2"} 1');
    expect(text).toContain('relay_gateway_refusals_total{surface="http",code="BUSY"} 1');
  });

  it('records nothing when disabled (the benchmark baseline)', async () => {
    const metrics = new RelayMetrics({ enabled: false });
    metrics.stageRecords.inc({ stage: 'preprocessor', outcome: 'handled' });
    expect((await metrics.registry.expose()).trim()).toBe('');
  });
});
