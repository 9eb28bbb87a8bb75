import { boolVar, enumVar, intVar, optionalStringVar, stringVar } from '@relay/config';
import { z } from 'zod';

/** Who may use Relay (docs/security.md, "Sign-in modes"). */
export const AUTH_MODES = ['anonymous', 'local', 'oidc'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** The sign-in variables, part of the gateway's schema; the checks that depend on AUTH_MODE are in `checkAuthConfig`. */
export const authConfigFields = {
  /**
   * anonymous: anyone who reaches the port may chat (each chat is opened by its own token), as before sign-in existed;
   * local: accounts kept by Relay (`npm run users`); oidc: sign-in through an OpenID Connect provider, bearer JWTs for API clients.
   */
  AUTH_MODE: enumVar(AUTH_MODES, 'anonymous'),
  /** How long a browser sign-in lasts before the user signs in again. */
  AUTH_SESSION_TTL_HOURS: intVar(168, 1, 8760),
  /** Origins besides the page's own whose pages may open the socket and call the API (comma-separated, e.g. https://chat.example.com). */
  ALLOWED_ORIGINS: optionalStringVar(),
  /** Wrong passwords in a row (per user name and client address) before that pair must wait LOGIN_LOCK_MS (doubling each time after). */
  LOGIN_MAX_FAILURES: intVar(5, 1, 1000),
  LOGIN_LOCK_MS: intVar(60_000, 1_000, 86_400_000),
  /** Sign-in attempts per client address per minute, whatever the user names (slows password guessing across names). */
  LOGIN_ATTEMPTS_PER_MIN: intVar(20, 1, 1_000_000),
  /** The provider's issuer URL (its /.well-known/openid-configuration is read at start-up); required with AUTH_MODE=oidc. */
  OIDC_ISSUER: optionalStringVar(),
  /** Relay's client at the provider; required with AUTH_MODE=oidc. */
  OIDC_CLIENT_ID: optionalStringVar(),
  /** Empty for a public client (PKCE only); otherwise sent with client_secret_basic. */
  OIDC_CLIENT_SECRET: optionalStringVar(),
  /** Where the provider sends the browser back; empty: http(s)://<the request's host>/api/auth/oidc/callback. */
  OIDC_REDIRECT_URL: optionalStringVar(),
  OIDC_SCOPES: stringVar('openid profile email'),
  /** The `aud` a bearer JWT must carry; empty: OIDC_CLIENT_ID. */
  OIDC_AUDIENCE: optionalStringVar(),
  /** Signature algorithms accepted on bearer JWTs (comma-separated; asymmetric only: none and HS* are never accepted). */
  OIDC_ALGORITHMS: stringVar('RS256,PS256,ES256,EdDSA'),
  /** The claim holding a user's roles (a dotted path such as realm_access.roles works); admin, member and reader are Relay's. */
  OIDC_ROLES_CLAIM: stringVar('roles'),
  /** The claim holding a user's groups (grants can name them). */
  OIDC_GROUPS_CLAIM: stringVar('groups'),
  /** The Relay role of a user whose roles claim names none of admin, member, reader. */
  OIDC_DEFAULT_ROLE: enumVar(['admin', 'member', 'reader'] as const, 'reader'),
  /** Seconds of clock difference tolerated on exp, nbf and iat. */
  OIDC_CLOCK_TOLERANCE_SEC: intVar(30, 0, 300),
  /** Allow an http:// issuer: for development and tests against a provider on this machine only. */
  OIDC_ALLOW_HTTP: boolVar(false),
  /** Per signed-in user, across every gateway replica (0 = no limit): messages a minute, answers being generated at once, tokens generated a day (UTC). */
  USER_MESSAGES_PER_MIN: intVar(30, 0, 1_000_000),
  USER_ANSWERS_IN_FLIGHT: intVar(3, 0, 10_000),
  USER_TOKENS_PER_DAY: intVar(200_000, 0, 1_000_000_000),
};

export const ROLE_NAMES = ['admin', 'member', 'reader'] as const;

interface AuthConfigValues {
  AUTH_MODE: AuthMode;
  OIDC_ISSUER: string;
  OIDC_CLIENT_ID: string;
  OIDC_ALGORITHMS: string;
  OIDC_ALLOW_HTTP: boolean;
  OIDC_REDIRECT_URL: string;
  ALLOWED_ORIGINS: string;
}

/** Algorithms jose can verify with a provider's public keys; anything else in OIDC_ALGORITHMS is refused at start-up. */
const ASYMMETRIC = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']);

/** The checks that depend on AUTH_MODE; added to the gateway schema with superRefine. */
export function checkAuthConfig(c: AuthConfigValues, ctx: z.RefinementCtx): void {
  for (const origin of listOf(c.ALLOWED_ORIGINS)) {
    if (!isOrigin(origin)) ctx.addIssue({ code: 'custom', path: ['ALLOWED_ORIGINS'], message: `${JSON.stringify(origin.slice(0, 100))} is not an origin such as https://chat.example.com` });
  }
  for (const alg of listOf(c.OIDC_ALGORITHMS)) {
    if (!ASYMMETRIC.has(alg)) ctx.addIssue({ code: 'custom', path: ['OIDC_ALGORITHMS'], message: `${alg.slice(0, 20)} is not an asymmetric JWS algorithm (one of ${[...ASYMMETRIC].join(', ')})` });
  }
  if (c.AUTH_MODE !== 'oidc') return;
  if (!c.OIDC_ISSUER) ctx.addIssue({ code: 'custom', path: ['OIDC_ISSUER'], message: 'is required with AUTH_MODE=oidc: the provider’s issuer URL' });
  else if (!isUrl(c.OIDC_ISSUER, c.OIDC_ALLOW_HTTP)) {
    ctx.addIssue({ code: 'custom', path: ['OIDC_ISSUER'], message: c.OIDC_ALLOW_HTTP ? 'must be an http(s) URL' : 'must be an https URL (OIDC_ALLOW_HTTP=true allows http, for development only)' });
  }
  if (!c.OIDC_CLIENT_ID) ctx.addIssue({ code: 'custom', path: ['OIDC_CLIENT_ID'], message: 'is required with AUTH_MODE=oidc: Relay’s client id at the provider' });
  if (c.OIDC_REDIRECT_URL && !isUrl(c.OIDC_REDIRECT_URL, true)) ctx.addIssue({ code: 'custom', path: ['OIDC_REDIRECT_URL'], message: 'must be an http(s) URL ending in /api/auth/oidc/callback' });
}

export function listOf(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

function isUrl(value: string, allowHttp: boolean): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || (allowHttp && url.protocol === 'http:');
  } catch {
    return false;
  }
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value.replace(/\/$/, '');
  } catch {
    return false;
  }
}
