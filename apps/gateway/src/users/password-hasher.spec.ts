import { PasswordHasher, passwordProblem } from './password-hasher';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('verifies the password it hashed and no other, with a new salt each time', async () => {
    const a = await hasher.hash('correct horse battery');
    const b = await hasher.hash('correct horse battery');
    expect(a).toMatch(/^scrypt\$15\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(await hasher.verify('correct horse battery', a)).toBe(true);
    expect(await hasher.verify('correct horse batterx', a)).toBe(false);
    expect(await hasher.verify('', a)).toBe(false);
  });

  it('answers false for an unknown user after the same work as for a known one', async () => {
    const stored = await hasher.hash('some password here');
    await hasher.verify('warm up the decoy', undefined);
    const t0 = process.hrtime.bigint();
    expect(await hasher.verify('guess guess guess', stored)).toBe(false);
    const known = Number(process.hrtime.bigint() - t0);
    const t1 = process.hrtime.bigint();
    expect(await hasher.verify('guess guess guess', undefined)).toBe(false);
    const unknown = Number(process.hrtime.bigint() - t1);
    // Both derive a 32 MiB scrypt key; neither is a shortcut (a lookup alone takes microseconds).
    expect(unknown).toBeGreaterThan(known / 4);
  });

  it('refuses a malformed stored hash', async () => {
    expect(await hasher.verify('x', 'plain-text-password')).toBe(false);
  });

  it('asks for at least 10 characters', () => {
    expect(passwordProblem('short')).toMatch(/10/);
    expect(passwordProblem('long enough!')).toBeUndefined();
  });
});
