import type { Principal, Role } from './principal';
import { relayRoleOf } from './principal';

/** A claim by dotted path (`realm_access.roles`), as a list of strings: a string becomes one item, anything else none. */
export function claimList(claims: Record<string, unknown>, path: string): string[] {
  let value: unknown = claims;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return [];
    value = (value as Record<string, unknown>)[key];
  }
  if (typeof value === 'string') return value.split(/[ ,]+/).filter(Boolean).slice(0, 100);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v.length <= 200).slice(0, 100);
  return [];
}

/** Who an OIDC user is, from their ID token / userinfo / access token claims. */
export function principalFromClaims(
  claims: Record<string, unknown>,
  options: { rolesClaim: string; groupsClaim: string; defaultRole: Role },
  via: Principal['via'],
): Omit<Principal, 'signInSessionHash' | 'expiresAt'> {
  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  const roleClaims = claimList(claims, options.rolesClaim);
  const role = relayRoleOf(roleClaims, options.defaultRole);
  const name = [claims.name, claims.preferred_username, claims.email, sub].find((v): v is string => typeof v === 'string' && v.length > 0) ?? sub;
  return {
    userId: sub,
    name: name.slice(0, 200),
    role,
    roles: [...new Set([role, ...roleClaims])],
    groups: claimList(claims, options.groupsClaim),
    via,
  };
}
