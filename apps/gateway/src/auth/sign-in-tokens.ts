import { createHash, randomBytes } from 'node:crypto';

/** Opaque sign-in tokens: `rly_` and 32 random bytes. The client holds the token; the store keeps its SHA-256. */
const PREFIX = 'rly_';
const TOKEN = /^rly_[A-Za-z0-9_-]{43}$/;

export function newSignInToken(): string {
  return `${PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function isSignInToken(value: string): boolean {
  return TOKEN.test(value);
}

export function hashSignInToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The CSRF token of a sign-in session: 32 random bytes. */
export function newCsrfToken(): string {
  return randomBytes(32).toString('base64url');
}
