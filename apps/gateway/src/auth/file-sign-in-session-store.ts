import { join } from 'node:path';
import { JsonFileState } from '../storage/json-file-state';
import type { SignInSessionRecord, SignInSessionStore } from './sign-in-session-store.port';

/** Sign-in sessions in DATA_DIR/sign-in-sessions.json; expired ones are dropped when the next one is written. */
export class FileSignInSessionStore implements SignInSessionStore {
  private readonly file: JsonFileState<{ sessions: Record<string, SignInSessionRecord> }>;

  constructor(dataDir: string) {
    this.file = new JsonFileState(join(dataDir, 'sign-in-sessions.json'), () => ({ sessions: {} }));
  }

  async create(session: SignInSessionRecord): Promise<void> {
    const now = new Date().toISOString();
    await this.file.update((s) => {
      for (const [id, old] of Object.entries(s.sessions)) if (old.expiresAt <= now) delete s.sessions[id];
      s.sessions[session.idHash] = session;
    });
  }

  async get(idHash: string): Promise<SignInSessionRecord | undefined> {
    const { sessions } = await this.file.read();
    const session = Object.hasOwn(sessions, idHash) ? sessions[idHash] : undefined;
    return session && session.expiresAt > new Date().toISOString() ? session : undefined;
  }

  delete(idHash: string): Promise<boolean> {
    return this.file.update((s) => {
      if (!Object.hasOwn(s.sessions, idHash)) return false;
      delete s.sessions[idHash];
      return true;
    });
  }

  deleteAllOf(userId: string): Promise<number> {
    return this.file.update((s) => {
      let n = 0;
      for (const [id, session] of Object.entries(s.sessions)) {
        if (session.principal.userId !== userId) continue;
        delete s.sessions[id];
        n++;
      }
      return n;
    });
  }
}
