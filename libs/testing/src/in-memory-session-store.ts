import { RelayError } from '@relay/contracts';
import type { SessionRecord, SessionStore, SessionSummary, StoredMessage } from '@relay/session-store';

/**
 * Sessions in maps. Every method yields to the event loop first, so callers see the same interleavings an
 * asynchronous store would give them.
 */
export class InMemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly history = new Map<string, StoredMessage[]>();
  private readonly clientMessages = new Map<string, Map<string, string>>();
  private readonly deleted = new Set<string>();

  isReady(): boolean {
    return true;
  }

  async create(session: SessionRecord): Promise<void> {
    await tick();
    this.sessions.set(session.sessionId, session);
    this.history.set(session.sessionId, []);
    this.clientMessages.set(session.sessionId, new Map());
  }

  async get(sessionId: string): Promise<SessionRecord | undefined> {
    await tick();
    return this.sessions.get(sessionId);
  }

  async appendMessage(sessionId: string, message: StoredMessage): Promise<void> {
    await tick();
    const history = this.history.get(sessionId);
    // Like every adapter: nowhere to go once deleted, and a turn (messageId, role) is kept once.
    if (!history || this.deleted.has(sessionId)) return;
    if (history.some((m) => m.messageId === message.messageId && m.role === message.role)) return;
    history.push(message);
  }

  async messages(sessionId: string): Promise<StoredMessage[]> {
    await tick();
    return [...this.required(this.history, sessionId)];
  }

  async findClientMessage(sessionId: string, clientMessageId: string): Promise<string | undefined> {
    await tick();
    return this.required(this.clientMessages, sessionId).get(clientMessageId);
  }

  async rememberClientMessage(sessionId: string, clientMessageId: string, messageId: string): Promise<string> {
    await tick();
    const seen = this.required(this.clientMessages, sessionId);
    if (!seen.has(clientMessageId)) seen.set(clientMessageId, messageId);
    return seen.get(clientMessageId)!;
  }

  async delete(sessionId: string): Promise<boolean> {
    await tick();
    if (!this.sessions.delete(sessionId)) return false;
    this.history.delete(sessionId);
    this.clientMessages.delete(sessionId);
    this.deleted.add(sessionId);
    return true;
  }

  async listOf(userId: string, limit: number): Promise<SessionSummary[]> {
    await tick();
    return [...this.sessions.values()]
      .filter((s) => s.userId === userId)
      .map((s) => {
        const last = this.history.get(s.sessionId)?.at(-1);
        return { sessionId: s.sessionId, createdAt: s.createdAt, updatedAt: last?.createdAt ?? s.createdAt, ...(s.title ? { title: s.title } : {}) };
      })
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
      .slice(0, limit);
  }

  async rename(sessionId: string, title: string): Promise<boolean> {
    await tick();
    const session = this.sessions.get(sessionId);
    if (!session) return false;
    this.sessions.set(sessionId, { ...session, title });
    return true;
  }

  private required<V>(map: Map<string, V>, sessionId: string): V {
    const value = map.get(sessionId);
    if (value === undefined) throw new RelayError('UNKNOWN_SESSION', 'No such session for this token.');
    return value;
  }
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
