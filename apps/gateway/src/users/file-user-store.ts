import { join } from 'node:path';
import { JsonFileState } from '../storage/json-file-state';
import type { UserRecord, UserStore } from './user-store.port';

/** The accounts in DATA_DIR/users.json (the embedded default; `npm run users` writes the same file). */
export class FileUserStore implements UserStore {
  private readonly file: JsonFileState<{ users: Record<string, UserRecord> }>;

  constructor(dataDir: string) {
    this.file = new JsonFileState(join(dataDir, 'users.json'), () => ({ users: {} }));
  }

  async get(userId: string): Promise<UserRecord | undefined> {
    const { users } = await this.file.read();
    return Object.hasOwn(users, userId) ? users[userId] : undefined;
  }

  async list(): Promise<UserRecord[]> {
    return Object.values((await this.file.read()).users).sort((a, b) => a.userId.localeCompare(b.userId));
  }

  create(user: UserRecord): Promise<boolean> {
    return this.file.update((s) => {
      if (Object.hasOwn(s.users, user.userId)) return false;
      s.users[user.userId] = user;
      return true;
    });
  }

  update(userId: string, fields: Partial<UserRecord>): Promise<boolean> {
    return this.file.update((s) => {
      const user = s.users[userId];
      if (!user || !Object.hasOwn(s.users, userId)) return false;
      s.users[userId] = { ...user, ...fields, userId, updatedAt: new Date().toISOString() };
      return true;
    });
  }

  delete(userId: string): Promise<boolean> {
    return this.file.update((s) => {
      if (!Object.hasOwn(s.users, userId)) return false;
      delete s.users[userId];
      return true;
    });
  }
}
