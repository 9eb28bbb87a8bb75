import { credentialsFrom } from './credentials';

describe('credentialsFrom', () => {
  it('reads a bearer token, the handshake token, and the sign-in cookie among others', () => {
    expect(credentialsFrom({ authorization: 'Bearer abc.def.ghi' })).toEqual({ bearer: 'abc.def.ghi' });
    expect(credentialsFrom({ authorization: 'bearer  rly_x ' })).toEqual({ bearer: 'rly_x' });
    expect(credentialsFrom({}, 'rly_from_handshake')).toEqual({ bearer: 'rly_from_handshake' });
    expect(credentialsFrom({ cookie: 'theme=dark; relay_session=rly_abc; other=1' })).toEqual({ session: 'rly_abc' });
    expect(credentialsFrom({})).toEqual({});
  });

  it.each([
    ['a Basic header', { authorization: 'Basic Ym9iOnNlY3JldA==' }],
    ['a header over 8 KiB', { authorization: `Bearer ${'a'.repeat(9000)}` }],
    ['a token with spaces inside', { authorization: 'Bearer a b' }],
    ['a Cookie header over 8 KiB', { cookie: `relay_session=${'x'.repeat(9000)}` }],
  ])('refuses %s as UNAUTHORIZED', (_what, headers) => {
    expect(() => credentialsFrom(headers)).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
  });

  it('refuses a handshake token that is not a short string', () => {
    expect(() => credentialsFrom({}, { token: 'x' })).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
    expect(() => credentialsFrom({}, 'x'.repeat(9000))).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
  });
});
