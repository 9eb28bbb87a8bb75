import { type AuditEntry, insertAuditEvents } from '@relay/audit-trail';
import { type Database, withoutNul } from '@relay/database';
import type { OpenInteraction } from './interaction-journal';
import type { SharedInteractions } from './shared-interactions.port';

/**
 * Interactions in PostgreSQL (table `interactions`): the UPDATE … WHERE ended_at IS NULL lets exactly one replica end
 * each, and the same transaction writes its `audit_events` row.
 */
export class PostgresSharedInteractions implements SharedInteractions {
  constructor(private readonly db: Database) {}

  async open(i: OpenInteraction): Promise<void> {
    await this.db.query(
      'INSERT INTO interactions (message_id, session_id, correlation_id, user_id, message_text, accepted_at) VALUES ($1, $2, $3, $4, $5, now()) ON CONFLICT DO NOTHING',
      [withoutNul(i.messageId), withoutNul(i.sessionId), withoutNul(i.correlationId), i.userId === undefined ? null : withoutNul(i.userId), i.text === undefined ? null : withoutNul(i.text)],
    );
  }

  async withdraw(messageId: string): Promise<void> {
    await this.db.query('DELETE FROM interactions WHERE message_id = $1 AND ended_at IS NULL', [withoutNul(messageId)]);
  }

  async claim(messageId: string, outcome: string, record: (interaction: OpenInteraction) => AuditEntry): Promise<AuditEntry | undefined> {
    return this.db.transaction(async (client) => {
      // The text (AUDIT_MESSAGE_TEXT) moves into the audit entry: the ended row no longer holds it.
      const { rows } = await client.query<{ message_id: string; session_id: string; correlation_id: string; user_id: string | null; message_text: string | null }>(
        `UPDATE interactions i SET ended_at = now(), outcome = $2, message_text = NULL
         FROM (SELECT message_id, message_text FROM interactions WHERE message_id = $1 AND ended_at IS NULL FOR UPDATE) old
         WHERE i.message_id = old.message_id AND i.ended_at IS NULL
         RETURNING i.message_id, i.session_id, i.correlation_id, i.user_id, old.message_text`,
        [withoutNul(messageId), outcome],
      );
      const r = rows[0];
      if (!r) return undefined;
      const entry = record({
        messageId: r.message_id,
        sessionId: r.session_id,
        correlationId: r.correlation_id,
        ...(r.user_id === null ? {} : { userId: r.user_id }),
        ...(r.message_text === null ? {} : { text: r.message_text }),
      });
      await insertAuditEvents(client, [entry]);
      return entry;
    });
  }

  async openSince(olderThanMs: number): Promise<string[]> {
    const { rows } = await this.db.query<{ message_id: string }>(
      'SELECT message_id FROM interactions WHERE ended_at IS NULL AND accepted_at < now() - make_interval(secs => $1) LIMIT 1000',
      [olderThanMs / 1000],
    );
    return rows.map((r) => r.message_id);
  }
}
