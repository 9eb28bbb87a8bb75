import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt's cost: N = 2^15, r = 8 → 32 MiB of memory and ~0.1 s per hash, so guessing is slow on any hardware. */
const LOG2_N = 15;
const R = 8;
const P = 1;
const KEY_BYTES = 32;

function derive(password: string, salt: Buffer, log2N: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** log2N;
  return new Promise((resolve, reject) =>
    // maxmem above scrypt's 128·N·r bytes (the default limit is exactly 32 MiB, too little for N=2^15, r=8).
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/**
 * Passwords hashed with scrypt (Node's own, memory-hard), a random 16-byte salt each. Stored as
 * `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>` (base64url), so the cost can be raised later and old hashes still verify.
 */
export class PasswordHasher {
  /** A hash that matches no password: verified against when the user name is unknown, so both take as long. */
  private decoy?: Promise<string>;

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await derive(password, salt, LOG2_N, R, P);
    return ['scrypt', LOG2_N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
  }

  async verify(password: string, stored: string | undefined): Promise<boolean> {
    if (stored === undefined) {
      this.decoy ??= this.hash(randomBytes(16).toString('hex'));
      await this.verify(password, await this.decoy);
      return false;
    }
    const [kind, log2N, r, p, salt, key] = stored.split('$');
    if (kind !== 'scrypt' || !salt || !key) return false;
    const expected = Buffer.from(key, 'base64url');
    const given = await derive(password, Buffer.from(salt, 'base64url'), Number(log2N), Number(r), Number(p));
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/** What a password must be: long enough to resist guessing, short enough that hashing it costs nothing extra. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < 10) return 'must be at least 10 characters';
  if (password.length > 1024) return 'must be at most 1024 characters';
  return undefined;
}
