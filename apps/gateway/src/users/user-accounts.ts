import { RelayError } from '@relay/contracts';
import type { Role } from '../auth/principal';
import { PasswordHasher, passwordProblem } from './password-hasher';
import { USER_ID, type UserInfo, type UserStore, userInfo } from './user-store.port';

export interface NewUser {
  userId: string;
  password: string;
  role: Role;
  displayName?: string;
  groups?: string[];
}

export interface UserChanges {
  role?: Role;
  password?: string;
  displayName?: string;
  groups?: string[];
  disabled?: boolean;
}

/** Managing local accounts: what the admin API and `npm run users` both do (no framework, so the CLI can use it). */
export class UserAccounts {
  private readonly hasher = new PasswordHasher();

  constructor(private readonly store: UserStore) {}

  async list(): Promise<UserInfo[]> {
    return (await this.store.list()).map(userInfo);
  }

  async create(user: NewUser): Promise<UserInfo> {
    const userId = user.userId.trim().toLowerCase();
    if (!USER_ID.test(userId)) throw new RelayError('INVALID_PAYLOAD', 'A user name is 1–64 lower-case letters, digits, . _ - (starting with a letter or digit).');
    const problem = passwordProblem(user.password);
    if (problem) throw new RelayError('INVALID_PAYLOAD', `The password ${problem}.`);
    const now = new Date().toISOString();
    const record = {
      userId,
      displayName: user.displayName?.trim() || userId,
      role: user.role,
      groups: user.groups ?? [],
      passwordHash: await this.hasher.hash(user.password),
      disabled: false,
      createdAt: now,
      updatedAt: now,
    };
    if (!(await this.store.create(record))) throw new RelayError('INVALID_PAYLOAD', `The user ${userId} exists already.`);
    return userInfo(record);
  }

  /** Changes an account; true when what was changed must end its sign-ins (password, disabled, role). */
  async update(userId: string, changes: UserChanges): Promise<{ user: UserInfo; endSignIns: boolean }> {
    if (changes.password !== undefined) {
      const problem = passwordProblem(changes.password);
      if (problem) throw new RelayError('INVALID_PAYLOAD', `The password ${problem}.`);
    }
    const fields = {
      ...(changes.role ? { role: changes.role } : {}),
      ...(changes.displayName ? { displayName: changes.displayName.trim() } : {}),
      ...(changes.groups ? { groups: changes.groups } : {}),
      ...(changes.disabled !== undefined ? { disabled: changes.disabled } : {}),
      ...(changes.password !== undefined ? { passwordHash: await this.hasher.hash(changes.password) } : {}),
    };
    if (!(await this.store.update(userId, fields))) throw new RelayError('NOT_FOUND', `No user ${userId.slice(0, 64)}`);
    const user = await this.store.get(userId);
    return { user: userInfo(user!), endSignIns: changes.password !== undefined || changes.disabled === true };
  }

  async delete(userId: string): Promise<void> {
    if (!(await this.store.delete(userId))) throw new RelayError('NOT_FOUND', `No user ${userId.slice(0, 64)}`);
  }
}
