import { Injectable } from '@nestjs/common';
import { RelayError } from '@relay/contracts';
import { constants, existsSync, mkdirSync } from 'node:fs';
import { appendFile, open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SessionRecord, SessionStore, SessionSummary, StoredMessage } from '../session-store.port';

type LogLine =
  | ({ type: 'session' } & SessionRecord)
  | ({ type: 'message' } & StoredMessage)
  | { type: 'client-message'; clientMessageId: string; messageId: string }
  | { type: 'title'; title: string };

interface SessionState {
  session: SessionRecord;
  messages: StoredMessage[];
  /** turnKey of every message, so a turn appended twice is kept once. */
  turns: Set<string>;
  clientMessages: Map<string, string>;
  /** Appends to this session's file run one after another. */
  tail: Promise<void>;
  /** Appends queued and not yet written: a session is never evicted from the cache while it has some. */
  pending: number;
  deleted?: boolean;
}

/** Appending to a session's file never creates it: a file deleted by another gateway on a shared folder stays deleted. */
const APPEND_EXISTING = constants.O_WRONLY | constants.O_APPEND;

const SESSION_ID = /^[A-Za-z0-9_-]{1,100}$/;

/** A turn: a user's message and its answer share a message id. */
const turnKey = (m: Pick<StoredMessage, 'messageId' | 'role'>) => `${m.role}\u0000${m.messageId}`;

/**
 * The embedded default: one append-only JSON-lines file per session under DATA_DIR/sessions, read back on first
 * use after a restart. Appends are atomic at line granularity, so a crash loses at most the line being written.
 * At most `cacheSize` sessions (with their history) stay in memory, the least recently used being read from disk
 * again when next needed, so many sessions cost disk, not memory.
 */
@Injectable()
export class FileSessionStore implements SessionStore {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  private readonly cache = new Map<string, SessionState>();
  private readonly cacheSize: number;
  /** Which sessions each user has: read from the files' first lines on the first listing, then kept current. */
  private byUser?: Promise<Map<string, Set<string>>>;

  constructor(
    private readonly dir: string,
    options: { cacheSize?: number } = {},
  ) {
    mkdirSync(dir, { recursive: true });
    this.cacheSize = options.cacheSize ?? 1000;
  }

  /** Sessions held in memory right now. */
  cachedSessions(): number {
    return this.cache.size;
  }

  isReady(): boolean {
    return existsSync(this.dir);
  }

  async create(session: SessionRecord): Promise<void> {
    const state: SessionState = { session, messages: [], turns: new Set(), clientMessages: new Map(), tail: Promise.resolve(), pending: 0 };
    this.remember(session.sessionId, state);
    await this.append(state, { type: 'session', ...session }, 'a');
    if (this.byUser) this.indexed(await this.byUser, session.userId).add(session.sessionId);
  }

  async get(sessionId: string): Promise<SessionRecord | undefined> {
    return (await this.load(sessionId))?.session;
  }

  async appendMessage(sessionId: string, message: StoredMessage): Promise<void> {
    // An answer that finishes after its session was deleted has nowhere to go.
    const state = await this.load(sessionId);
    if (!state || state.deleted || state.turns.has(turnKey(message))) return;
    state.turns.add(turnKey(message));
    state.messages.push(message);
    await this.append(state, { type: 'message', ...message });
  }

  async messages(sessionId: string): Promise<StoredMessage[]> {
    return [...(await this.required(sessionId)).messages];
  }

  async findClientMessage(sessionId: string, clientMessageId: string): Promise<string | undefined> {
    return (await this.required(sessionId)).clientMessages.get(clientMessageId);
  }

  async rememberClientMessage(sessionId: string, clientMessageId: string, messageId: string): Promise<string> {
    const state = await this.required(sessionId);
    const kept = state.clientMessages.get(clientMessageId);
    if (kept !== undefined) return kept;
    state.clientMessages.set(clientMessageId, messageId);
    await this.append(state, { type: 'client-message', clientMessageId, messageId });
    return messageId;
  }

  async delete(sessionId: string): Promise<boolean> {
    const state = await this.load(sessionId);
    if (!state || state.deleted) return false;
    state.deleted = true;
    // After the appends already queued, so none of them recreates the file.
    state.tail = state.tail.catch(() => undefined).then(() => rm(this.pathOf(sessionId), { force: true }));
    await state.tail;
    this.cache.delete(sessionId);
    if (this.byUser) (await this.byUser).get(state.session.userId)?.delete(sessionId);
    return true;
  }

  async listOf(userId: string, limit: number): Promise<SessionSummary[]> {
    const ids = [...((await this.userIndex()).get(userId) ?? [])];
    const summaries: SessionSummary[] = [];
    for (const id of ids) {
      const state = await this.load(id);
      if (!state || state.deleted || state.session.userId !== userId) continue;
      const { sessionId, createdAt, title } = state.session;
      summaries.push({ sessionId, createdAt, updatedAt: state.messages.at(-1)?.createdAt ?? createdAt, ...(title ? { title } : {}) });
    }
    return summaries.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.sessionId.localeCompare(b.sessionId)).slice(0, limit);
  }

  async rename(sessionId: string, title: string): Promise<boolean> {
    const state = await this.load(sessionId);
    if (!state || state.deleted) return false;
    state.session = { ...state.session, title };
    await this.append(state, { type: 'title', title });
    return true;
  }

  private userIndex(): Promise<Map<string, Set<string>>> {
    this.byUser ??= (async () => {
      const index = new Map<string, Set<string>>();
      for (const name of await readdir(this.dir)) {
        if (!name.endsWith('.jsonl')) continue;
        const first = await firstLine(join(this.dir, name));
        try {
          const entry = JSON.parse(first) as LogLine;
          if (entry.type === 'session') this.indexed(index, entry.userId).add(entry.sessionId);
        } catch {
          // not a session file, or torn at its first line: it has no session to list
        }
      }
      return index;
    })();
    return this.byUser;
  }

  private indexed(index: Map<string, Set<string>>, userId: string): Set<string> {
    let set = index.get(userId);
    if (!set) index.set(userId, (set = new Set()));
    return set;
  }

  private async required(sessionId: string): Promise<SessionState> {
    const state = await this.load(sessionId);
    // Deleted (possibly by another gateway) between the caller's check and now: the client hears UNKNOWN_SESSION.
    if (!state) throw new RelayError('UNKNOWN_SESSION', 'No such session for this token.');
    return state;
  }

  private async load(sessionId: string): Promise<SessionState | undefined> {
    const cached = this.cache.get(sessionId);
    if (cached) {
      // Deleted meanwhile by another gateway sharing this folder (checked only when nothing of ours is being written).
      if (cached.pending === 0 && !existsSync(this.pathOf(sessionId))) {
        cached.deleted = true;
        this.cache.delete(sessionId);
        return undefined;
      }
      this.remember(sessionId, cached);
      return cached;
    }
    // Session ids name files: anything but a plain id is unknown by construction.
    if (!SESSION_ID.test(sessionId)) return undefined;
    const path = this.pathOf(sessionId);
    if (!existsSync(path)) return undefined;
    let state: SessionState | undefined;
    for (const line of (await readFile(path, 'utf8')).split('\n')) {
      if (!line.trim()) continue;
      let entry: LogLine;
      try {
        entry = JSON.parse(line) as LogLine;
      } catch {
        continue; // a torn last line from a crash
      }
      if (entry.type === 'session') {
        const { type: _type, ...session } = entry;
        state = { session, messages: [], turns: new Set(), clientMessages: new Map(), tail: Promise.resolve(), pending: 0 };
      } else if (state && entry.type === 'message' && !state.turns.has(turnKey(entry))) {
        // A duplicate line (two processes sharing the folder recorded one turn) is read once, as first written.
        const { type: _type, ...message } = entry;
        state.turns.add(turnKey(message));
        state.messages.push(message);
      } else if (state && entry.type === 'client-message' && !state.clientMessages.has(entry.clientMessageId)) {
        state.clientMessages.set(entry.clientMessageId, entry.messageId);
      } else if (state && entry.type === 'title') {
        state.session = { ...state.session, title: entry.title };
      }
    }
    // Another call may have loaded it while this one read the file: keep the first.
    const winner = this.cache.get(sessionId) ?? state;
    if (winner) this.remember(sessionId, winner);
    return winner;
  }

  /** Puts a session last in the cache's order and evicts the least recently used idle ones beyond cacheSize. */
  private remember(sessionId: string, state: SessionState): void {
    this.cache.delete(sessionId);
    this.cache.set(sessionId, state);
    if (this.cache.size <= this.cacheSize) return;
    for (const [id, candidate] of this.cache) {
      if (this.cache.size <= this.cacheSize) break;
      // One with writes in flight stays until they are done, so a re-read never misses them.
      if (candidate.pending === 0 && id !== sessionId) this.cache.delete(id);
    }
  }

  private append(state: SessionState, line: LogLine, flag: string | number = APPEND_EXISTING): Promise<void> {
    if (state.deleted) return state.tail;
    state.pending++;
    const path = this.pathOf(state.session.sessionId);
    // Chained after the previous append whatever became of it: one failed write must not fail every later one.
    const write = state.tail
      .catch(() => undefined)
      .then(() => appendFile(path, `${JSON.stringify(line)}\n`, { flag }))
      .catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        // The file is gone: the session was deleted by another gateway sharing this folder.
        state.deleted = true;
        if (this.cache.get(state.session.sessionId) === state) this.cache.delete(state.session.sessionId);
      })
      .finally(() => void state.pending--);
    state.tail = write;
    return write;
  }

  private pathOf(sessionId: string): string {
    return join(this.dir, `${sessionId}.jsonl`);
  }
}

/** A file's first line (a session file starts with its session record, a few hundred bytes). */
async function firstLine(path: string): Promise<string> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const end = text.indexOf('\n');
    return end === -1 ? text : text.slice(0, end);
  } finally {
    await file.close();
  }
}
