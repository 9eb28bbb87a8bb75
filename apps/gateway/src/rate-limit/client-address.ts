import { isIP } from 'node:net';

/**
 * The key a client's requests are counted under: its IP address, or for IPv6 its /64 network (one host usually holds
 * a whole /64, so counting single addresses would let it rotate through billions). Behind a proxy
 * (TRUST_PROXY=true) it is the address the proxy saw, the last entry of X-Forwarded-For.
 */
export function clientAddress(remoteAddress: string | undefined, forwardedFor: string | string[] | undefined, trustProxy: boolean): string {
  let address = remoteAddress ?? 'unknown';
  if (trustProxy && forwardedFor) {
    const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
    const last = header.slice(header.lastIndexOf(',') + 1).trim();
    if (isIP(last)) address = last;
  }
  if (address.startsWith('::ffff:') && isIP(address.slice(7)) === 4) return address.slice(7);
  if (isIP(address) === 6) return `${expandIpv6(address).slice(0, 4).join(':')}::/64`;
  return address;
}

/** `2001:db8::1` → its eight groups, so any spelling of one /64 gives the same key. */
function expandIpv6(address: string): string[] {
  const [head, tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return groups.map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}
