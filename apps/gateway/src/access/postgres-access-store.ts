import { type Database, sqlState, withoutNul } from '@relay/database';
import type { Access, AccessStore, CollectionRecord, GrantRecord, GrantSubjectType } from './access-store.port';

const FOREIGN_KEY_VIOLATION = '23503';

/** Collections and grants in PostgreSQL: a grant revoked through one replica stops retrieval on every one. */
export class PostgresAccessStore implements AccessStore {
  constructor(private readonly db: Database) {}

  async listCollections(): Promise<CollectionRecord[]> {
    const { rows } = await this.db.query<{ collection_id: string; name: string; owner_id: string | null; created_at: Date }>(
      'SELECT collection_id, name, owner_id, created_at FROM collections ORDER BY collection_id COLLATE "C"',
    );
    return rows.map((r) => ({ collectionId: r.collection_id, name: r.name, ownerId: r.owner_id, createdAt: r.created_at.toISOString() }));
  }

  async getCollection(collectionId: string): Promise<CollectionRecord | undefined> {
    const { rows } = await this.db.query<{ collection_id: string; name: string; owner_id: string | null; created_at: Date }>(
      'SELECT collection_id, name, owner_id, created_at FROM collections WHERE collection_id = $1',
      [withoutNul(collectionId)],
    );
    const r = rows[0];
    return r && { collectionId: r.collection_id, name: r.name, ownerId: r.owner_id, createdAt: r.created_at.toISOString() };
  }

  async createCollection(c: CollectionRecord): Promise<boolean> {
    const r = withoutNul(c);
    const { rowCount } = await this.db.query(
      'INSERT INTO collections (collection_id, name, owner_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (collection_id) DO NOTHING',
      [r.collectionId, r.name, r.ownerId, r.createdAt],
    );
    return (rowCount ?? 0) > 0;
  }

  async deleteCollection(collectionId: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM collections WHERE collection_id = $1', [withoutNul(collectionId)]);
    return (rowCount ?? 0) > 0;
  }

  async listGrants(collectionId?: string): Promise<GrantRecord[]> {
    const { rows } = await this.db.query<{ collection_id: string; subject_type: GrantSubjectType; subject_id: string; access: Access; granted_by: string; granted_at: Date }>(
      `SELECT collection_id, subject_type, subject_id, access, granted_by, granted_at FROM collection_grants
        WHERE $1::text IS NULL OR collection_id = $1 ORDER BY collection_id COLLATE "C", subject_type, subject_id COLLATE "C"`,
      [collectionId === undefined ? null : withoutNul(collectionId)],
    );
    return rows.map((r) => ({
      collectionId: r.collection_id,
      subjectType: r.subject_type,
      subjectId: r.subject_id,
      access: r.access,
      grantedBy: r.granted_by,
      grantedAt: r.granted_at.toISOString(),
    }));
  }

  async putGrant(g: GrantRecord): Promise<boolean> {
    const r = withoutNul(g);
    try {
      await this.db.query(
        `INSERT INTO collection_grants (collection_id, subject_type, subject_id, access, granted_by, granted_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (collection_id, subject_type, subject_id) DO UPDATE SET access = EXCLUDED.access, granted_by = EXCLUDED.granted_by, granted_at = EXCLUDED.granted_at`,
        [r.collectionId, r.subjectType, r.subjectId, r.access, r.grantedBy, r.grantedAt],
      );
      return true;
    } catch (err) {
      if (sqlState(err) === FOREIGN_KEY_VIOLATION) return false;
      throw err;
    }
  }

  async deleteGrant(collectionId: string, subjectType: GrantSubjectType, subjectId: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM collection_grants WHERE collection_id = $1 AND subject_type = $2 AND subject_id = $3', [
      withoutNul(collectionId),
      subjectType,
      withoutNul(subjectId),
    ]);
    return (rowCount ?? 0) > 0;
  }
}
