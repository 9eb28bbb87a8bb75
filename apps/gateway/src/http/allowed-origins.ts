import { listOf } from '../auth/auth.config';
import type { AllowedHosts } from './allowed-hosts';

/**
 * Which browser pages may use the API and the socket. With sign-in (local, oidc) only the page's own origin (the
 * Origin names the Host the request was sent to) and ALLOWED_ORIGINS; in the anonymous mode also any origin whose
 * host name is one of the gateway's names (as before, e.g. the web client's development server on another port).
 * A request without Origin is not a cross-site page's (browsers send Origin on every cross-origin request).
 */
export class AllowedOrigins {
  private readonly listed: Set<string>;

  constructor(
    allowedOrigins: string,
    private readonly strict: boolean,
    private readonly hosts: AllowedHosts,
  ) {
    this.listed = new Set(listOf(allowedOrigins).map((o) => o.replace(/\/$/, '').toLowerCase()));
  }

  allows(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined) return true;
    if (origin.length > 300) return false;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (this.listed.has(url.origin.toLowerCase())) return true;
    if (host !== undefined && url.host.toLowerCase() === host.toLowerCase()) return true;
    return !this.strict && this.hosts.allowsOrigin(origin);
  }
}
