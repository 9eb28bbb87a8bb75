import { RelayError } from '@relay/contracts';
import { parse } from 'cookie';
import type { IncomingHttpHeaders } from 'node:http';

export const SESSION_COOKIE = 'relay_session';
export const OIDC_STATE_COOKIE = 'relay_oidc';

/** Longest Authorization or Cookie header read at all: a JWT with many claims fits in 8 KiB; anything longer is an attack. */
const MAX_HEADER_CHARS = 8192;
/** Longest bearer token (a JWT or a sign-in token). */
const MAX_TOKEN_CHARS = 8000;

/** The credentials a request or a socket handshake carries. */
export interface Credentials {
  bearer?: string;
  /** The sign-in cookie's value. */
  session?: string;
}

/**
 * Reads the bearer token (Authorization: Bearer …, or the socket handshake's `auth.token`) and the sign-in cookie.
 * A header that is too long or not of the expected shape is refused as UNAUTHORIZED rather than half-read.
 */
export function credentialsFrom(headers: Pick<IncomingHttpHeaders, 'authorization' | 'cookie'>, handshakeToken?: unknown): Credentials {
  const credentials: Credentials = {};
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    if (typeof authorization !== 'string' || authorization.length > MAX_HEADER_CHARS) throw malformed('Authorization header');
    const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(authorization);
    if (!match || match[1].length > MAX_TOKEN_CHARS) throw malformed('Authorization header (expected: Bearer <token>)');
    credentials.bearer = match[1];
  } else if (handshakeToken !== undefined) {
    if (typeof handshakeToken !== 'string' || handshakeToken.length === 0 || handshakeToken.length > MAX_TOKEN_CHARS) throw malformed('token');
    credentials.bearer = handshakeToken;
  }
  const cookie = headers.cookie;
  if (cookie !== undefined) {
    if (typeof cookie !== 'string' || cookie.length > MAX_HEADER_CHARS) throw malformed('Cookie header');
    const value = cookieValue(cookie, SESSION_COOKIE);
    if (value !== undefined) credentials.session = value;
  }
  return credentials;
}

/** One cookie's value from a Cookie header (never throws: a malformed header simply has no such cookie). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > MAX_HEADER_CHARS) return undefined;
  try {
    return parse(header)[name];
  } catch {
    return undefined;
  }
}

function malformed(what: string): RelayError {
  return new RelayError('UNAUTHORIZED', `Malformed ${what}.`, { reason: 'malformed-credentials' });
}
