/** Relay's roles: admin (users, collections, grants, the audit trail), member (chat, upload where granted), reader (chat). */
export type Role = 'admin' | 'member' | 'reader';

/** Who is asking, once the sign-in mode has checked their credential. */
export interface Principal {
  /** Stable id: the account name (local) or the provider's `sub` (oidc). Chats and grants name it. */
  userId: string;
  /** What the page shows. */
  name: string;
  role: Role;
  /** Every role claim the user has (Relay's role among them): grants can name any of them. */
  roles: string[];
  groups: string[];
  /** How the credential came: a sign-in cookie, or a bearer token (an API client: no CSRF check applies). */
  via: 'cookie' | 'bearer';
  /** The sign-in session behind a cookie or an opaque bearer token (signing out ends it); none for a JWT. */
  signInSessionHash?: string;
  /** A JWT's expiry (ms since the epoch): a socket authenticated by it stops working then. */
  expiresAt?: number;
}

const RANK: Record<Role, number> = { reader: 0, member: 1, admin: 2 };

export function hasRole(principal: Pick<Principal, 'role'>, atLeast: Role): boolean {
  return RANK[principal.role] >= RANK[atLeast];
}

/** The highest of Relay's roles among claim values, or `fallback`. */
export function relayRoleOf(claims: string[], fallback: Role): Role {
  let best: Role | undefined;
  for (const c of claims) if ((c === 'admin' || c === 'member' || c === 'reader') && (!best || RANK[c] > RANK[best])) best = c;
  return best ?? fallback;
}
