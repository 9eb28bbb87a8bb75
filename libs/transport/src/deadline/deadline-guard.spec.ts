import { createEnvelope, Delivered, isPastDeadline, nowMs, TOPICS } from '@relay/contracts';
import { RelayMetrics } from '@relay/observability';
import { RecordingTopicPublisher } from '@relay/testing';
import { DeadlineGuard } from './deadline-guard';

function setup() {
  const publisher = new RecordingTopicPublisher();
  const warnings: object[] = [];
  const metrics = new RelayMetrics();
  const sut = new DeadlineGuard(publisher, 'embedder', metrics, { warn: (obj) => warnings.push(obj) });
  return { sut, publisher, warnings, metrics };
}

const record = (deadline?: number): Delivered<unknown> => ({
  ...createEnvelope({ sessionId: 's1', messageId: 'm1', correlationId: 'c1', deadline, payload: { text: 'hi' } }),
  receivedAt: nowMs(),
});

describe('isPastDeadline', () => {
  it('is true only after the deadline, and never for a record without one', () => {
    expect(isPastDeadline({ deadline: 1000 }, 999)).toBe(false);
    expect(isPastDeadline({ deadline: 1000 }, 1000)).toBe(false);
    expect(isPastDeadline({ deadline: 1000 }, 1001)).toBe(true);
    expect(isPastDeadline({}, Number.MAX_SAFE_INTEGER)).toBe(false);
  });
});

describe('DeadlineGuard', () => {
  it('lets a record within its deadline (or without one) through and publishes nothing', async () => {
    const { sut, publisher, warnings, metrics } = setup();
    expect(await sut.skipIfExpired(record(nowMs() + 60_000))).toBe(false);
    expect(await sut.skipIfExpired(record(undefined))).toBe(false);
    expect(publisher.published).toEqual([]);
    expect(warnings).toEqual([]);
    expect(sut.skipped).toBe(0);
    expect(await metrics.registry.expose()).not.toContain('relay_stage_expired_total{');
  });

  it('answers EXPIRED on chat.responses for a late record, with its ids and deadline, logs how late, and counts it', async () => {
    const { sut, publisher, warnings, metrics } = setup();
    const late = record(1_000);
    expect(await sut.skipIfExpired(late, 3_500)).toBe(true);
    expect(publisher.published).toHaveLength(1);
    const [{ topic, envelope }] = publisher.published;
    expect(topic).toBe(TOPICS.responses);
    expect(envelope).toMatchObject({ messageId: 'm1', correlationId: 'c1', sessionId: 's1', deadline: 1_000, payload: { type: 'error', code: 'EXPIRED' } });
    expect(warnings).toEqual([expect.objectContaining({ stage: 'embedder', lateMs: 2_500 })]);
    expect(sut.skipped).toBe(1);
    expect(await metrics.registry.expose()).toContain('relay_stage_expired_total{stage="embedder"} 1');
  });

  it('counts a record its stage found expired itself (expire), by stage', async () => {
    const { sut, metrics } = setup();
    await sut.expire(record(1_000), 2_000);
    await sut.skipIfExpired(record(1_000), 2_000);
    expect(await metrics.registry.expose()).toContain('relay_stage_expired_total{stage="embedder"} 2');
  });
});
