import { correlationIdFrom } from './correlation-id';
import { REDACTED, redactLogObject } from './log-redaction';

describe('redactLogObject', () => {
  it('censors text and credentials at any depth, keeps ids, counts and structure', () => {
    const out = redactLogObject({
      msg: 'x',
      sessionId: 's-1',
      completionTokens: 12,
      envelope: { payload: { history: [{ role: 'user', text: 'secret question' }], messages: [{ role: 'user', content: 'q' }], token: 'v1.abc' } },
      headers: { authorization: 'Bearer t', 'x-api-key': 'k' },
      list: [{ delta: 'piece' }, 3],
    });
    expect(out).toEqual({
      msg: 'x',
      sessionId: 's-1',
      completionTokens: 12,
      envelope: { payload: { history: REDACTED, messages: [{ role: 'user', content: REDACTED }], token: REDACTED } },
      headers: { authorization: REDACTED, 'x-api-key': REDACTED },
      list: [{ delta: REDACTED }, 3],
    });
  });

  it('cuts objects nested deeper than it walks, without recursion', () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 100_000; i++) deep = { deep };
    expect(JSON.stringify(redactLogObject({ deep }))).toContain('[truncated]');
  });
});

describe('correlationIdFrom', () => {
  it('keeps a UUID and drops anything else', () => {
    expect(correlationIdFrom('6F1C9A52-3B7E-4D2A-9C1F-2E8B7A6D5C4B')).toBe('6f1c9a52-3b7e-4d2a-9c1f-2e8b7a6d5c4b');
    expect(correlationIdFrom('<script>')).toBeUndefined();
    expect(correlationIdFrom('x'.repeat(5000))).toBeUndefined();
    expect(correlationIdFrom(undefined)).toBeUndefined();
  });
});
