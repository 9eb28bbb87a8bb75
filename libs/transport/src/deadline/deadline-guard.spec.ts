import { createEnvelope, Delivered, isPastDeadline, nowMs, TOPICS } from '@relay/contracts';
import { RecordingTopicPublisher } from '@relay/testing';
import { DeadlineGuard } from './deadline-guard';

function setup() {
  const publisher = new RecordingTopicPublisher();
  const warnings: object[] = [];
  const sut = new DeadlineGuard(publisher, 'embedder', { warn: (obj) => warnings.push(obj) });
  return { sut, publisher, warnings };
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
    const { sut, publisher, warnings } = setup();
    expect(await sut.skipIfExpired(record(nowMs() + 60_000))).toBe(false);
    expect(await sut.skipIfExpired(record(undefined))).toBe(false);
    expect(publisher.published).toEqual([]);
    expect(warnings).toEqual([]);
    expect(sut.skipped).toBe(0);
  });

  it('answers EXPIRED on chat.responses for a late record, with its ids and deadline, logs how late, and counts it', async () => {
    const { sut, publisher, warnings } = setup();
    const late = record(1_000);
    expect(await sut.skipIfExpired(late, 3_500)).toBe(true);
    expect(publisher.published).toHaveLength(1);
    const [{ topic, envelope }] = publisher.published;
    expect(topic).toBe(TOPICS.responses);
    expect(envelope).toMatchObject({ messageId: 'm1', correlationId: 'c1', sessionId: 's1', deadline: 1_000, payload: { type: 'error', code: 'EXPIRED' } });
    expect(warnings).toEqual([expect.objectContaining({ stage: 'embedder', lateMs: 2_500 })]);
    expect(sut.skipped).toBe(1);
  });
});
