import type { AnswerDetails, Citation, ErrorBody, FinishReason } from '@relay/contracts';
import { RelayError } from '@relay/contracts';
import { type Database, jsonbParam, sqlState, withoutNul } from '@relay/database';
import type { SessionRecord, SessionStore, SessionSummary, StoredMessage } from '../session-store.port';

interface MessageRow {
  message_id: string;
  role: StoredMessage['role'];
  text: string;
  created_at: Date;
  finish_reason: FinishReason | null;
  citations: Citation[] | null;
  details: AnswerDetails | null;
  error: Pick<ErrorBody, 'code' | 'message'> | null;
}

const FOREIGN_KEY_VIOLATION = '23503';

/**
 * Sessions in PostgreSQL (tables of libs/database/migrations/0001_sessions.sql), shared by every gateway replica:
 * a session created on one is known to all, and a turn recorded by two of them is stored once. Each method is one
 * round trip; nothing is cached, so no replica ever serves a stale history.
 */
export class PostgresSessionStore implements SessionStore {
  constructor(private readonly db: Database) {}

  isReady(): boolean {
    return this.db.isReady();
  }

  async create(session: SessionRecord): Promise<void> {
    const s = withoutNul(session);
    await this.db.query('INSERT INTO sessions (session_id, user_id, created_at, updated_at) VALUES ($1, $2, $3, $3)', [s.sessionId, s.userId, s.createdAt]);
  }

  async get(sessionId: string): Promise<SessionRecord | undefined> {
    const { rows } = await this.db.query<{ session_id: string; user_id: string; created_at: Date; title: string | null }>(
      'SELECT session_id, user_id, created_at, title FROM sessions WHERE session_id = $1',
      [withoutNul(sessionId)],
    );
    const r = rows[0];
    return r && { sessionId: r.session_id, userId: r.user_id, createdAt: r.created_at.toISOString(), ...(r.title !== null ? { title: r.title } : {}) };
  }

  async appendMessage(sessionId: string, message: StoredMessage): Promise<void> {
    const m = withoutNul(message);
    try {
      // Only into a session that exists, only once per (message_id, role), and the session's updated_at follows.
      await this.db.query(
        `WITH added AS (
           INSERT INTO session_messages (session_id, message_id, role, text, created_at, finish_reason, citations, details, error)
           SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 WHERE EXISTS (SELECT 1 FROM sessions WHERE session_id = $1)
           ON CONFLICT (session_id, message_id, role) DO NOTHING
           RETURNING session_id, created_at)
         UPDATE sessions SET updated_at = greatest(sessions.updated_at, added.created_at) FROM added WHERE sessions.session_id = added.session_id`,
        [withoutNul(sessionId), m.messageId, m.role, m.text, m.createdAt, m.finishReason ?? null, jsonbParam(m.citations), jsonbParam(m.details), jsonbParam(m.error)],
      );
    } catch (err) {
      // Deleted between the check and the insert: as if it had been deleted before.
      if (sqlState(err) !== FOREIGN_KEY_VIOLATION) throw err;
    }
  }

  async messages(sessionId: string): Promise<StoredMessage[]> {
    // The session's row comes back even when it has no turns yet, so an unknown session is told from an empty one.
    const { rows } = await this.db.query<Partial<MessageRow>>(
      `SELECT m.message_id, m.role, m.text, m.created_at, m.finish_reason, m.citations, m.details, m.error
         FROM sessions s LEFT JOIN session_messages m ON m.session_id = s.session_id
        WHERE s.session_id = $1
        ORDER BY m.position`,
      [withoutNul(sessionId)],
    );
    if (rows.length === 0) throw unknownSession(sessionId);
    return rows.filter((r): r is MessageRow => r.message_id != null).map(toStoredMessage);
  }

  async findClientMessage(sessionId: string, clientMessageId: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ message_id: string | null }>(
      `SELECT c.message_id FROM sessions s
         LEFT JOIN session_client_messages c ON c.session_id = s.session_id AND c.client_message_id = $2
        WHERE s.session_id = $1`,
      [withoutNul(sessionId), withoutNul(clientMessageId)],
    );
    if (rows.length === 0) throw unknownSession(sessionId);
    return rows[0].message_id ?? undefined;
  }

  async rememberClientMessage(sessionId: string, clientMessageId: string, messageId: string): Promise<string> {
    try {
      // DO UPDATE rather than DO NOTHING so the row comes back either way, and with it the id that was kept.
      const { rows } = await this.db.query<{ message_id: string }>(
        `INSERT INTO session_client_messages (session_id, client_message_id, message_id) VALUES ($1, $2, $3)
         ON CONFLICT (session_id, client_message_id) DO UPDATE SET message_id = session_client_messages.message_id
         RETURNING message_id`,
        [withoutNul(sessionId), withoutNul(clientMessageId), withoutNul(messageId)],
      );
      return rows[0].message_id;
    } catch (err) {
      if (sqlState(err) === FOREIGN_KEY_VIOLATION) throw unknownSession(sessionId);
      throw err;
    }
  }

  async listOf(userId: string, limit: number): Promise<SessionSummary[]> {
    const { rows } = await this.db.query<{ session_id: string; title: string | null; created_at: Date; updated_at: Date }>(
      'SELECT session_id, title, created_at, updated_at FROM sessions WHERE user_id = $1 ORDER BY updated_at DESC, session_id LIMIT $2',
      [withoutNul(userId), limit],
    );
    return rows.map((r) => ({ sessionId: r.session_id, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(), ...(r.title !== null ? { title: r.title } : {}) }));
  }

  async rename(sessionId: string, title: string): Promise<boolean> {
    const { rowCount } = await this.db.query('UPDATE sessions SET title = $2 WHERE session_id = $1', [withoutNul(sessionId), withoutNul(title)]);
    return (rowCount ?? 0) > 0;
  }

  async delete(sessionId: string): Promise<boolean> {
    // Its turns and client message ids go with it (ON DELETE CASCADE).
    const { rowCount } = await this.db.query('DELETE FROM sessions WHERE session_id = $1', [withoutNul(sessionId)]);
    return (rowCount ?? 0) > 0;
  }
}

function unknownSession(_sessionId: string): Error {
  // The same coded error as the file store, so the gateway answers UNKNOWN_SESSION whichever store is configured.
  return new RelayError('UNKNOWN_SESSION', 'No such session for this token.');
}

function toStoredMessage(r: MessageRow): StoredMessage {
  return {
    messageId: r.message_id,
    role: r.role,
    text: r.text,
    createdAt: r.created_at.toISOString(),
    ...(r.finish_reason ? { finishReason: r.finish_reason } : {}),
    ...(r.citations ? { citations: r.citations } : {}),
    ...(r.details ? { details: r.details } : {}),
    ...(r.error ? { error: r.error } : {}),
  };
}
