import type { Principal } from './principal';

/** Who a sign-in session is for, as it was at sign-in (OIDC users have no account row to read it from). */
export type SessionPrincipal = Pick<Principal, 'userId' | 'name' | 'role' | 'roles' | 'groups'>;

/** A browser's or an API client's sign-in: its id is known to the client only; the store keeps its SHA-256. */
export interface SignInSessionRecord {
  idHash: string;
  principal: SessionPrincipal;
  /** Sent back by the page in X-CSRF-Token on every request that changes something. */
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
}

export const SIGN_IN_SESSION_STORE = Symbol('SIGN_IN_SESSION_STORE');

/**
 * Sign-in sessions (local and oidc modes). Checked on every request and every socket event, so signing out (here,
 * or everywhere) takes effect at once. Adapters: a JSON file under DATA_DIR, or PostgreSQL (shared by replicas).
 */
export interface SignInSessionStore {
  create(session: SignInSessionRecord): Promise<void>;
  /** The session, if it exists and has not expired. */
  get(idHash: string): Promise<SignInSessionRecord | undefined>;
  delete(idHash: string): Promise<boolean>;
  /** Ends every sign-in of the user; how many there were. */
  deleteAllOf(userId: string): Promise<number>;
}
