import { CORRELATION_HEADER, createEnvelope, Delivered, nowMs, TOPICS } from '@relay/contracts';
import { RelayMetrics } from '@relay/observability';
import { RecordingTopicPublisher } from '@relay/testing';
import { DeadlineGuard } from '../deadline/deadline-guard';
import type { TransportRecord } from '../transport-record';
import { DeliveryTarget, RecordDispatcher } from './record-dispatcher';

const quiet = { warn: () => undefined, error: () => undefined };

/** A stage whose handler throws on the first attempt of every record it names in `flaky`. */
class Stage implements DeliveryTarget {
  private readonly failedOnce = new Set<string>();
  constructor(
    readonly stage: string,
    private readonly flaky = false,
  ) {}
  async handle(message: Delivered<unknown> | TransportRecord): Promise<void> {
    const id = (message as Delivered<unknown>).messageId;
    if (this.flaky && !this.failedOnce.has(id)) {
      this.failedOnce.add(id);
      throw new Error(`handler broke on ${id}`);
    }
  }
}

function recordOf(session: number): { record: TransportRecord; envelope: Delivered<unknown> } {
  const envelope = createEnvelope({ sessionId: `session-${session}`, messageId: `message-${session}`, correlationId: `correlation-${session}`, payload: { type: 'cancel' as const } });
  envelope.sentAt = nowMs();
  return {
    envelope: { ...envelope, receivedAt: nowMs() },
    record: { topic: TOPICS.control, key: envelope.sessionId, value: JSON.stringify(envelope), headers: { [CORRELATION_HEADER]: envelope.correlationId } },
  };
}

/** The series every metric has now, and every label value among them. */
async function seriesOf(metrics: RelayMetrics): Promise<{ count: number; labelValues: Set<string> }> {
  let count = 0;
  const labelValues = new Set<string>();
  for (const metric of await metrics.registry.registry.getMetricsAsJSON()) {
    for (const value of metric.values) {
      count++;
      for (const v of Object.values(value.labels)) labelValues.add(String(v));
    }
  }
  return { count, labelValues };
}

// The issue's check that label sets stay bounded: what one session's traffic records, 1,000 sessions' traffic
// records in exactly as many series (the counts grow, the series do not), and no label carries a session,
// message or correlation id.
describe('metric series under the traffic of 1,000 sessions', () => {
  it('stay as many as for one session, with no per-session label value', async () => {
    const metrics = new RelayMetrics();
    const dispatcher = new RecordDispatcher({ maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 }, async () => undefined, quiet, metrics);
    const stages = [new Stage('preprocessor'), new Stage('retriever', true)];
    const deadline = new DeadlineGuard(new RecordingTopicPublisher(), 'embedder', metrics, quiet);
    // Each session: a record handled by two stages (one fails once and is retried), a malformed record
    // (dead-lettered), a record past its deadline, and a refusal at the gateway.
    const sessionTraffic = async (i: number) => {
      const { record, envelope } = recordOf(i);
      for (const stage of stages) await dispatcher.dispatch(record, stage);
      await dispatcher.dispatch({ ...record, value: `{"not":"an envelope ${i}"` }, stages[0]);
      await deadline.expire(envelope);
      metrics.refusals.inc({ surface: 'socket', code: 'RATE_LIMITED' });
    };

    await sessionTraffic(0);
    const one = await seriesOf(metrics);
    // Concurrently, as a transport delivers many partitions' records (and so the retries' backoff timers overlap).
    await Promise.all(Array.from({ length: 999 }, (_, i) => sessionTraffic(i + 1)));
    const thousand = await seriesOf(metrics);

    expect(one.count).toBeGreaterThan(10);
    expect(thousand.count).toBe(one.count);
    expect([...thousand.labelValues].filter((v) => /session-|message-|correlation-/.test(v))).toEqual([]);
    // The traffic was counted all the same.
    const text = await metrics.registry.expose();
    expect(text).toContain('relay_stage_records_total{stage="retriever",outcome="handled"} 1000');
    expect(text).toContain('relay_stage_retries_total{stage="retriever"} 1000');
    expect(text).toContain('relay_dead_letters_total{stage="preprocessor",reason="invalid"} 1000');
    expect(text).toContain('relay_stage_expired_total{stage="embedder"} 1000');
  }, 20_000);
});
