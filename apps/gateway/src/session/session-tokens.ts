import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Bearer tokens that own one session: `v1.<sessionId>.<signature>`, an HMAC-SHA256 under AUTH_SECRET. Every gateway
 * replica configured with the same secret accepts every session's token; nothing is stored to check one.
 */
export class SessionTokens {
  constructor(private readonly secret: string) {}

  issue(sessionId: string): string {
    return `v1.${sessionId}.${this.sign(sessionId)}`;
  }

  /** The session the token owns, or undefined when it is malformed or not signed by us. */
  verify(token: unknown): string | undefined {
    if (typeof token !== 'string' || token.length > 500) return undefined;
    const [version, sessionId, signature, ...rest] = token.split('.');
    if (version !== 'v1' || !sessionId || !signature || rest.length > 0) return undefined;
    const expected = Buffer.from(this.sign(sessionId));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given) ? sessionId : undefined;
  }

  private sign(sessionId: string): string {
    return createHmac('sha256', this.secret).update(`relay-session:${sessionId}`).digest('base64url');
  }
}
