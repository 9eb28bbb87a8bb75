import { type Database, jsonbParam, withoutNul } from '@relay/database';
import type { Role } from '../auth/principal';
import type { UserRecord, UserStore } from './user-store.port';

interface UserRow {
  user_id: string;
  display_name: string;
  role: Role;
  groups: string[];
  password_hash: string;
  disabled: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'user_id, display_name, role, groups, password_hash, disabled, created_at, updated_at';

/** The accounts in PostgreSQL (libs/database/migrations/0004_identity.sql), shared by every gateway replica. */
export class PostgresUserStore implements UserStore {
  constructor(private readonly db: Database) {}

  async get(userId: string): Promise<UserRecord | undefined> {
    const { rows } = await this.db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE user_id = $1`, [withoutNul(userId)]);
    return rows[0] && toRecord(rows[0]);
  }

  async list(): Promise<UserRecord[]> {
    const { rows } = await this.db.query<UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY user_id COLLATE "C"`);
    return rows.map(toRecord);
  }

  async create(u: UserRecord): Promise<boolean> {
    const r = withoutNul(u);
    const { rowCount } = await this.db.query(
      `INSERT INTO users (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (user_id) DO NOTHING`,
      [r.userId, r.displayName, r.role, jsonbParam(r.groups), r.passwordHash, r.disabled, r.createdAt, r.updatedAt],
    );
    return (rowCount ?? 0) > 0;
  }

  async update(userId: string, fields: Partial<UserRecord>): Promise<boolean> {
    const f = withoutNul(fields);
    const { rowCount } = await this.db.query(
      `UPDATE users SET display_name = coalesce($2, display_name), role = coalesce($3, role), groups = coalesce($4::jsonb, groups),
              password_hash = coalesce($5, password_hash), disabled = coalesce($6, disabled), updated_at = now()
        WHERE user_id = $1`,
      [withoutNul(userId), f.displayName ?? null, f.role ?? null, f.groups ? jsonbParam(f.groups) : null, f.passwordHash ?? null, f.disabled ?? null],
    );
    return (rowCount ?? 0) > 0;
  }

  async delete(userId: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM users WHERE user_id = $1', [withoutNul(userId)]);
    return (rowCount ?? 0) > 0;
  }
}

function toRecord(r: UserRow): UserRecord {
  return {
    userId: r.user_id,
    displayName: r.display_name,
    role: r.role,
    groups: r.groups,
    passwordHash: r.password_hash,
    disabled: r.disabled,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
