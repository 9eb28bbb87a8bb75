import { type Database, jsonbParam, withoutNul } from '@relay/database';
import type { SessionPrincipal, SignInSessionRecord, SignInSessionStore } from './sign-in-session-store.port';

interface Row {
  id_hash: string;
  principal: SessionPrincipal;
  csrf_token: string;
  created_at: Date;
  expires_at: Date;
}

/** Sign-in sessions in PostgreSQL: a sign-out through one gateway replica holds on every other at once. */
export class PostgresSignInSessionStore implements SignInSessionStore {
  constructor(private readonly db: Database) {}

  async create(s: SignInSessionRecord): Promise<void> {
    // Expired sign-ins of this user go as a new one comes, so the table does not grow without bound.
    await this.db.query('DELETE FROM sign_in_sessions WHERE user_id = $1 AND expires_at <= now()', [withoutNul(s.principal.userId)]);
    await this.db.query(
      'INSERT INTO sign_in_sessions (id_hash, user_id, principal, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [s.idHash, withoutNul(s.principal.userId), jsonbParam(s.principal), s.csrfToken, s.createdAt, s.expiresAt],
    );
  }

  async get(idHash: string): Promise<SignInSessionRecord | undefined> {
    const { rows } = await this.db.query<Row>(
      'SELECT id_hash, principal, csrf_token, created_at, expires_at FROM sign_in_sessions WHERE id_hash = $1 AND expires_at > now()',
      [withoutNul(idHash)],
    );
    const r = rows[0];
    return r && { idHash: r.id_hash, principal: r.principal, csrfToken: r.csrf_token, createdAt: r.created_at.toISOString(), expiresAt: r.expires_at.toISOString() };
  }

  async delete(idHash: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM sign_in_sessions WHERE id_hash = $1', [withoutNul(idHash)]);
    return (rowCount ?? 0) > 0;
  }

  async deleteAllOf(userId: string): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM sign_in_sessions WHERE user_id = $1', [withoutNul(userId)]);
    return rowCount ?? 0;
  }
}
