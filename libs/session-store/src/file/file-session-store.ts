import { Injectable } from '@nestjs/common';
import { existsSync, mkdirSync } from 'node:fs';
import { appendFile, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SessionRecord, SessionStore, StoredMessage } from '../session-store.port';

type LogLine =
  | ({ type: 'session' } & SessionRecord)
  | ({ type: 'message' } & StoredMessage)
  | { type: 'client-message'; clientMessageId: string; messageId: string };

interface SessionState {
  session: SessionRecord;
  messages: StoredMessage[];
  /** turnKey of every message, so a turn appended twice is kept once. */
  turns: Set<string>;
  clientMessages: Map<string, string>;
  /** Appends to this session's file run one after another. */
  tail: Promise<void>;
  deleted?: boolean;
}

const SESSION_ID = /^[A-Za-z0-9_-]{1,100}$/;

/** A turn: a user's message and its answer share a message id. */
const turnKey = (m: Pick<StoredMessage, 'messageId' | 'role'>) => `${m.role}\u0000${m.messageId}`;

/**
 * The embedded default: one append-only JSON-lines file per session under DATA_DIR/sessions, read back on first
 * use after a restart. Appends are atomic at line granularity, so a crash loses at most the line being written.
 */
@Injectable()
export class FileSessionStore implements SessionStore {
  private readonly cache = new Map<string, SessionState>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  isReady(): boolean {
    return existsSync(this.dir);
  }

  async create(session: SessionRecord): Promise<void> {
    const state: SessionState = { session, messages: [], turns: new Set(), clientMessages: new Map(), tail: Promise.resolve() };
    this.cache.set(session.sessionId, state);
    await this.append(state, { type: 'session', ...session });
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
    state.tail = state.tail.then(() => rm(this.pathOf(sessionId), { force: true }));
    await state.tail;
    this.cache.delete(sessionId);
    return true;
  }

  private async required(sessionId: string): Promise<SessionState> {
    const state = await this.load(sessionId);
    if (!state) throw new Error(`unknown session ${sessionId}`);
    return state;
  }

  private async load(sessionId: string): Promise<SessionState | undefined> {
    const cached = this.cache.get(sessionId);
    if (cached) return cached;
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
        state = { session, messages: [], turns: new Set(), clientMessages: new Map(), tail: Promise.resolve() };
      } else if (state && entry.type === 'message' && !state.turns.has(turnKey(entry))) {
        // A duplicate line (two processes sharing the folder recorded one turn) is read once, as first written.
        const { type: _type, ...message } = entry;
        state.turns.add(turnKey(message));
        state.messages.push(message);
      } else if (state && entry.type === 'client-message' && !state.clientMessages.has(entry.clientMessageId)) {
        state.clientMessages.set(entry.clientMessageId, entry.messageId);
      }
    }
    if (state) this.cache.set(sessionId, this.cache.get(sessionId) ?? state);
    return this.cache.get(sessionId);
  }

  private append(state: SessionState, line: LogLine): Promise<void> {
    if (state.deleted) return state.tail;
    state.tail = state.tail.then(() => appendFile(this.pathOf(state.session.sessionId), `${JSON.stringify(line)}\n`));
    return state.tail;
  }

  private pathOf(sessionId: string): string {
    return join(this.dir, `${sessionId}.jsonl`);
  }
}
