import { RelayError, SAME_ORIGIN_HEADER } from '@relay/contracts';
import { timingSafeEqual } from 'node:crypto';
import type { DocumentsWritePolicy, DocumentsWriteRequest } from './documents-write-policy';

/**
 * The floor until there are users and roles:
 * - DOCUMENTS_TOKEN set: it is the credential. `Authorization: Bearer <token>` is required (401 without, 403 wrong).
 * - DOCUMENTS_TOKEN empty: whoever can reach the gateway may write (it listens on localhost by default), but only
 *   with a request no other site's page can make. A multipart or text/plain POST is a CORS "simple" request that any
 *   page can send without a preflight, so the write must carry `X-Relay-Request` (or be JSON, which also forces a
 *   preflight); and an Origin or Sec-Fetch-Site header that names another site is refused outright.
 * Checked before the body is read, so a refused upload costs nothing.
 */
export class TokenOrSameOriginWritePolicy implements DocumentsWritePolicy {
  constructor(private readonly documentsToken: string) {}

  authorize({ method, headers }: DocumentsWriteRequest): void {
    if (this.documentsToken) return this.checkToken(headers.authorization);
    const site = header(headers['sec-fetch-site']);
    const origin = header(headers.origin);
    if ((site && site !== 'same-origin' && site !== 'none') || (origin !== undefined && !sameOrigin(origin, header(headers.host)))) {
      throw refusal('this request comes from another site.');
    }
    const json = method === 'POST' && /^application\/json\s*(;|$)/i.test(header(headers['content-type']) ?? '');
    const simpleMethod = method === 'GET' || method === 'HEAD' || method === 'POST';
    if (!header(headers[SAME_ORIGIN_HEADER]) && !json && simpleMethod) {
      throw refusal('it carries no proof that it does not come from another site’s page.');
    }
  }

  private checkToken(authorization: string | undefined): void {
    const given = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
    if (!given) throw new RelayError('UNAUTHORIZED', 'Changing documents needs Authorization: Bearer <DOCUMENTS_TOKEN>');
    const a = Buffer.from(given);
    const b = Buffer.from(this.documentsToken);
    if (a.length !== b.length || !timingSafeEqual(a, b)) throw new RelayError('FORBIDDEN', 'Wrong documents token');
  }
}

function refusal(why: string): RelayError {
  return new RelayError(
    'CROSS_SITE_REQUEST',
    `Documents can only be changed from Relay’s own page or with a credential: ${why} Send the header X-Relay-Request: 1 (Relay’s page and npm run ingest do), or set DOCUMENTS_TOKEN and send Authorization: Bearer <DOCUMENTS_TOKEN>.`,
  );
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** An Origin names the same site as the Host the request was sent to (scheme aside: a proxy may terminate TLS). */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    return new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}
