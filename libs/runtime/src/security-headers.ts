import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * The Content-Security-Policy of every response. The built page (apps/web) is one module script and one stylesheet
 * from /assets, talks to its own origin (REST and Socket.IO, ws: included in 'self'), and shows only inline data:
 * images (its icon; answers' remote images become links, see render-markdown.ts). Nothing else is allowed to load,
 * and no other site may frame it. No upgrade-insecure-requests: Relay is often reached over plain http on a LAN.
 */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
} as const;

/**
 * helmet with Relay's policy: CSP above, X-Frame-Options DENY, nosniff, Referrer-Policy no-referrer, the
 * cross-origin isolation headers, and no X-Powered-By. HSTS is left to whatever terminates TLS in front of Relay:
 * sent over plain http it would be ignored, and sent by mistake it pins a whole domain to https for a year.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY as unknown as Record<string, string[]> },
    frameguard: { action: 'deny' },
    strictTransportSecurity: false,
    referrerPolicy: { policy: 'no-referrer' },
  }) as unknown as RequestHandler;
}

/** The same protections for responses that bypass Express (Socket.IO's long-polling). */
export const PLAIN_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};
