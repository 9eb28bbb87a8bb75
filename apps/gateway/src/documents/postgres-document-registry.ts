import { type Database, withoutNul } from '@relay/database';
import type { DocumentRecord, DocumentRegistry, DocumentStatus } from './document-registry.port';

interface DocumentRow {
  document_id: string;
  title: string;
  source: string;
  type: string;
  content_hash: string;
  status: DocumentStatus;
  chunks: number;
  bytes: string; // bigint comes back as a string
  created_at: Date;
  updated_at: Date;
  error: string | null;
  collection_id: string;
}

const COLUMNS = 'document_id, title, source, type, content_hash, status, chunks, bytes, created_at, updated_at, error, collection_id';

/**
 * The document list in PostgreSQL (libs/database/migrations/0002_documents.sql), shared by every gateway replica:
 * an upload through one is listed by all at once, without waiting for its docs.indexed record.
 */
export class PostgresDocumentRegistry implements DocumentRegistry {
  constructor(private readonly db: Database) {}

  async list(): Promise<DocumentRecord[]> {
    // COLLATE "C": the same tie order as the file adapter's, whatever the database's locale.
    const { rows } = await this.db.query<DocumentRow>(`SELECT ${COLUMNS} FROM documents ORDER BY updated_at DESC, document_id COLLATE "C"`);
    return rows.map(toRecord);
  }

  async get(documentId: string): Promise<DocumentRecord | undefined> {
    const { rows } = await this.db.query<DocumentRow>(`SELECT ${COLUMNS} FROM documents WHERE document_id = $1`, [withoutNul(documentId)]);
    return rows[0] && toRecord(rows[0]);
  }

  async put(record: DocumentRecord): Promise<DocumentRecord> {
    const r = withoutNul(record);
    await this.db.query(
      `INSERT INTO documents (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (document_id) DO UPDATE SET
         title = EXCLUDED.title, source = EXCLUDED.source, type = EXCLUDED.type, content_hash = EXCLUDED.content_hash,
         status = EXCLUDED.status, chunks = EXCLUDED.chunks, bytes = EXCLUDED.bytes, created_at = EXCLUDED.created_at,
         updated_at = EXCLUDED.updated_at, error = EXCLUDED.error, collection_id = EXCLUDED.collection_id`,
      [r.documentId, r.title, r.source, r.type, r.contentHash, r.status, r.chunks, r.bytes, r.createdAt, r.updatedAt, r.error ?? null, r.collectionId ?? 'default'],
    );
    return record;
  }

  async remove(documentId: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM documents WHERE document_id = $1', [withoutNul(documentId)]);
    return (rowCount ?? 0) > 0;
  }
}

function toRecord(r: DocumentRow): DocumentRecord {
  return {
    documentId: r.document_id,
    title: r.title,
    source: r.source,
    type: r.type,
    contentHash: r.content_hash,
    status: r.status,
    chunks: r.chunks,
    bytes: Number(r.bytes),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    ...(r.error !== null ? { error: r.error } : {}),
    collectionId: r.collection_id,
  };
}
