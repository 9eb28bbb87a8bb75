import { z } from 'zod';
import { createEnvelope, Delivered, envelopeSchema, forwardEnvelope, replyEnvelope } from './envelope';

describe('the envelope deadline', () => {
  const created = createEnvelope({ sessionId: 's1', deadline: 123_456, payload: { n: 1 } });
  const delivered: Delivered<{ n: number }> = { ...created, sentAt: 1, receivedAt: 2 };

  it('travels through every hop: forwarded, replied, and kept by the schema every transport validates with', () => {
    expect(forwardEnvelope(delivered, 'stage', { n: 2 }).deadline).toBe(123_456);
    expect(replyEnvelope(delivered, { n: 3 }).deadline).toBe(123_456);
    const parsed = envelopeSchema(z.object({ n: z.number() })).parse(JSON.parse(JSON.stringify(forwardEnvelope(delivered, 'stage', { n: 2 }))));
    expect(parsed.deadline).toBe(123_456);
  });

  it('is left out for records without one (documents, older Relays), which the schema still accepts', () => {
    const none = createEnvelope({ sessionId: 's1', payload: { n: 1 } });
    expect('deadline' in none).toBe(false);
    expect('deadline' in forwardEnvelope({ ...none, receivedAt: 0 }, 'stage', { n: 2 })).toBe(false);
    expect(envelopeSchema(z.object({ n: z.number() })).safeParse(JSON.parse(JSON.stringify(none))).success).toBe(true);
    expect(envelopeSchema(z.object({ n: z.number() })).safeParse({ ...none, deadline: 'soon' }).success).toBe(false);
  });
});
