import type { SessionRecord, SessionStore, StoredMessage } from '@relay/session-store';

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
    if (this.deleted.has(sessionId)) return;
    this.required(this.history, sessionId).push(message);
  }

  async messages(sessionId: string): Promise<StoredMessage[]> {
    await tick();
    return [...this.required(this.history, sessionId)];
  }

  async findClientMessage(sessionId: string, clientMessageId: string): Promise<string | undefined> {
    await tick();
    return this.clientMessages.get(sessionId)?.get(clientMessageId);
  }

  async rememberClientMessage(sessionId: string, clientMessageId: string, messageId: string): Promise<void> {
    await tick();
    this.required(this.clientMessages, sessionId).set(clientMessageId, messageId);
  }

  async delete(sessionId: string): Promise<boolean> {
    await tick();
    if (!this.sessions.delete(sessionId)) return false;
    this.history.delete(sessionId);
    this.clientMessages.delete(sessionId);
    this.deleted.add(sessionId);
    return true;
  }

  private required<V>(map: Map<string, V>, sessionId: string): V {
    const value = map.get(sessionId);
    if (value === undefined) throw new Error(`unknown session ${sessionId}`);
    return value;
  }
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
