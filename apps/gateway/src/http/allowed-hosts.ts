import { isIP } from 'node:net';

/**
 * The names this gateway answers to, checked against every request's Host header (and a browser's Origin) so a
 * page on another site cannot reach it through DNS rebinding: a rebinding attack points the attacker's own domain
 * at Relay's address, and the browser then sends that domain as Host.
 *
 * Allowed: `localhost` and `*.localhost`, any IP address (a rebinding attack always carries a domain name), HOST
 * when it is a name, and each entry of ALLOWED_HOSTS (`relay.example.com`, or `.example.com` for it and every
 * subdomain). `*` allows any name, for a reverse proxy that checks Host itself.
 */
export class AllowedHosts {
  private readonly exact = new Set<string>(['localhost']);
  private readonly suffixes = ['.localhost'];
  private readonly any: boolean;

  constructor(options: { host: string; allowedHosts: string }) {
    const entries = options.allowedHosts
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean);
    this.any = entries.includes('*');
    for (const entry of [...entries, options.host.toLowerCase()]) {
      if (entry === '*' || isIP(stripBrackets(entry))) continue;
      if (entry.startsWith('.')) this.suffixes.push(entry);
      else this.exact.add(entry);
    }
  }

  /** Whether a Host header (name or address, with an optional port) names this server. */
  allowsHost(hostHeader: string | undefined): boolean {
    if (this.any) return true;
    const name = hostnameOf(hostHeader);
    return name !== undefined && this.allowsName(name);
  }

  /** Whether an Origin header (`scheme://host[:port]`) is a page of this server's names. `null` origins are not. */
  allowsOrigin(origin: string): boolean {
    if (this.any) return true;
    try {
      return this.allowsName(new URL(origin).hostname.toLowerCase());
    } catch {
      return false;
    }
  }

  private allowsName(name: string): boolean {
    const bare = stripBrackets(name).replace(/\.$/, '');
    if (isIP(bare)) return true;
    return this.exact.has(bare) || this.suffixes.some((s) => bare.endsWith(s) || bare === s.slice(1));
  }
}

/** `example.com:3000` → `example.com`, `[::1]:3000` → `[::1]`; undefined when there is no usable Host. */
function hostnameOf(host: string | undefined): string | undefined {
  if (!host || host.length > 300) return undefined;
  const lower = host.trim().toLowerCase();
  if (lower.startsWith('[')) {
    const end = lower.indexOf(']');
    return end > 0 ? lower.slice(0, end + 1) : undefined;
  }
  const colon = lower.indexOf(':');
  return colon === -1 ? lower : lower.slice(0, colon);
}

function stripBrackets(name: string): string {
  return name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
}
