import { RelayError } from '@relay/contracts';
import type { NextFunction, Request, Response } from 'express';
import { timingSafeEqual } from 'node:crypto';
import type { AccessAudit } from '../audit/access-audit';
import type { AllowedOrigins } from '../http/allowed-origins';
import { writeRelayError } from '../http/relay-exception.filter';
import type { RateLimits } from '../rate-limit/rate-limits';
import type { Authenticator } from './authenticator';
import { credentialsFrom, SESSION_COOKIE } from './credentials';
import { setPrincipal } from './request-principal';

/** API paths that answer without a sign-in: reading the mode and who is signed in, and signing in. */
const PUBLIC = new Set(['/api/auth/me', '/api/auth/login', '/api/auth/oidc/start', '/api/auth/oidc/callback']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_HEADER = 'x-csrf-token';

/**
 * With sign-in (AUTH_MODE local or oidc), for every API request: refuse a page of another origin, find the principal
 * (sign-in cookie or bearer token), refuse requests without one (except the public sign-in paths), and check the
 * CSRF token of cookie-authenticated requests that change something. Every refusal is audited. The anonymous mode
 * passes requests through untouched (chat tokens and the documents write policy apply as before).
 */
export function identityMiddleware(deps: { authenticator: Authenticator; origins: AllowedOrigins; audit: AccessAudit; limits: RateLimits }) {
  const { authenticator, origins, audit, limits } = deps;
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!authenticator.signInRequired || !req.originalUrl.startsWith('/api/')) return next();
    const path = req.originalUrl.split('?')[0];
    const publicPath = PUBLIC.has(path.replace(/\/$/, ''));
    const client = limits.clientOf(req.socket.remoteAddress, req.headers['x-forwarded-for']);
    const refuse = (err: RelayError, userId?: string) => {
      audit.record({ event: 'request', outcome: 'refused', code: err.code, reason: String(err.details.reason ?? err.message), userId, client, target: `${req.method} ${path}` });
      writeRelayError(res, err);
    };
    void (async () => {
      if (!origins.allows(header(req.headers.origin), header(req.headers.host))) {
        return refuse(new RelayError('CROSS_SITE_REQUEST', 'Requests from pages of other sites are refused (ALLOWED_ORIGINS lists the ones allowed).', { reason: 'origin-not-allowed' }));
      }
      let principal;
      try {
        principal = await authenticator.authenticate(credentialsFrom(req.headers));
      } catch (err) {
        if (!(err instanceof RelayError)) throw err;
        if (!publicPath) return refuse(err);
        // A stale cookie on the sign-in page: forget it and carry on signed out.
        res.clearCookie(SESSION_COOKIE, { path: '/' });
      }
      if (!principal && !publicPath) return refuse(new RelayError('UNAUTHORIZED', 'Sign in first.', { reason: 'no-credentials' }));
      if (principal?.via === 'cookie' && !SAFE_METHODS.has(req.method) && !csrfMatches(header(req.headers[CSRF_HEADER]), principal.csrfToken)) {
        return refuse(new RelayError('CROSS_SITE_REQUEST', `Missing or wrong ${CSRF_HEADER} header (the page sends the one GET /api/auth/me gives).`, { reason: 'csrf' }), principal.userId);
      }
      setPrincipal(req, principal);
      next();
    })().catch(next);
  };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function csrfMatches(given: string | undefined, expected: string | undefined): boolean {
  if (!given || !expected || given.length > 200) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
