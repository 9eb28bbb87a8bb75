import { SessionTokens } from './session-tokens';

const SECRET = 'a-test-secret-that-is-long-enough-000';
const OTHER_SECRET = 'another-secret-that-is-long-enough-111';

describe('SessionTokens', () => {
  const tokens = new SessionTokens(SECRET);

  it('verifies a token it issued back to its session id', () => {
    const token = tokens.issue('session-123');
    expect(token).toMatch(/^v1\.session-123\.[A-Za-z0-9_-]+$/);
    expect(tokens.verify(token)).toBe('session-123');
  });

  it('accepts a token issued by another instance with the same secret', () => {
    expect(new SessionTokens(SECRET).verify(tokens.issue('s1'))).toBe('s1');
  });

  it('rejects a token signed with a different secret', () => {
    expect(tokens.verify(new SessionTokens(OTHER_SECRET).issue('s1'))).toBeUndefined();
  });

  it("rejects a token whose session id was swapped for another's", () => {
    const signature = tokens.issue('mine').split('.')[2];
    expect(tokens.verify(`v1.theirs.${signature}`)).toBeUndefined();
  });

  it('rejects a token with a tampered signature', () => {
    const token = tokens.issue('s1');
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    expect(tokens.verify(token.slice(0, -1) + last)).toBeUndefined();
    expect(tokens.verify(token.slice(0, -1))).toBeUndefined();
    expect(tokens.verify(`${token}A`)).toBeUndefined();
  });

  it.each([
    ['a non-string', 42],
    ['undefined', undefined],
    ['an empty string', ''],
    ['a wrong version', 'v2.s1.sig'],
    ['a missing signature', 'v1.s1'],
    ['an empty session id', 'v1..sig'],
    ['extra parts', 'v1.s1.sig.extra'],
    ['a token longer than 500 characters', `v1.${'s'.repeat(500)}.sig`],
  ])('rejects %s', (_name, token) => {
    expect(tokens.verify(token)).toBeUndefined();
  });

  it('rejects a correctly signed token with extra parts appended', () => {
    expect(tokens.verify(`${tokens.issue('s1')}.more`)).toBeUndefined();
  });
});
