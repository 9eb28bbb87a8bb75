import type { Role } from '../auth/principal';

/** An account kept by Relay (AUTH_MODE=local). */
export interface UserRecord {
  userId: string;
  displayName: string;
  role: Role;
  groups: string[];
  /** scrypt$<log2 N>$<r>$<p>$<salt>$<hash> (PasswordHasher). */
  passwordHash: string;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** What may be shown of an account (never its hash). */
export type UserInfo = Omit<UserRecord, 'passwordHash'>;

export const USER_STORE = Symbol('USER_STORE');

/** Relay's accounts. Adapters: a JSON file under DATA_DIR (one gateway), or PostgreSQL (shared by replicas). */
export interface UserStore {
  get(userId: string): Promise<UserRecord | undefined>;
  list(): Promise<UserRecord[]>;
  /** False when an account of that id exists already. */
  create(user: UserRecord): Promise<boolean>;
  /** Changes the given fields; false when there is no such account. */
  update(userId: string, fields: Partial<Pick<UserRecord, 'displayName' | 'role' | 'groups' | 'passwordHash' | 'disabled'>>): Promise<boolean>;
  delete(userId: string): Promise<boolean>;
}

/** Account names: lower-case letters, digits and . _ - (they appear in grants and logs). */
export const USER_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function userInfo({ passwordHash: _hash, ...info }: UserRecord): UserInfo {
  return info;
}
