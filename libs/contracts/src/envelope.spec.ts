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

describe('the envelope traceparent', () => {
  const schema = envelopeSchema(z.object({ n: z.number() }));
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const delivered: Delivered<{ n: number }> = { ...createEnvelope({ sessionId: 's1', payload: { n: 1 } }), traceparent, sentAt: 1, receivedAt: 2 };

  it('is kept by every hop and by the schema, so a trace survives a process that does not trace', () => {
    expect(forwardEnvelope(delivered, 'stage', { n: 2 }).traceparent).toBe(traceparent);
    expect(replyEnvelope(delivered, { n: 3 }).traceparent).toBe(traceparent);
    expect(schema.parse(JSON.parse(JSON.stringify(delivered))).traceparent).toBe(traceparent);
  });

  it('is optional: records of an older Relay, without one, still parse', () => {
    const { traceparent: _t, ...old } = delivered;
    const parsed = schema.safeParse(JSON.parse(JSON.stringify(old)));
    expect(parsed.success).toBe(true);
    expect(parsed.data?.traceparent).toBeUndefined();
  });

  it('reads a malformed one as absent instead of failing the record: tracing never costs a message', () => {
    for (const bad of ['garbage', 42, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331', 'x'.repeat(10_000)]) {
      const parsed = schema.safeParse({ ...JSON.parse(JSON.stringify(delivered)), traceparent: bad });
      expect(parsed.success).toBe(true);
      expect(parsed.data?.traceparent).toBeUndefined();
    }
  });
});
