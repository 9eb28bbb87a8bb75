import { Logger, OnModuleDestroy } from '@nestjs/common';
import { type Database, jsonbParam } from '@relay/database';
import type { AuditRecord } from '@relay/observability';
import { type AuditQuery, decodeCursor, encodeCursor } from './audit-query';
import type { AuditEntry, AuditPage, AuditTrail } from './audit-trail.port';

/** Anything that runs a query: the pool, or a client inside a transaction. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

type Row = {
  id: string;
  at: Date;
  kind: AuditEntry['kind'];
  user_id: string | null;
  session_id: string | null;
  message_id: string | null;
  correlation_id: string | null;
  outcome: string | null;
  moderation: string | null;
  completion_tokens: number | null;
  cited_document_ids: string[] | null;
  message_text: string | null;
  details: Record<string, unknown>;
};

/** Fields with a column of their own (filtered or indexed on); every other field of a record goes to `details`. */
const COLUMNS = {
  userId: 'user_id',
  sessionId: 'session_id',
  messageId: 'message_id',
  correlationId: 'correlation_id',
  outcome: 'outcome',
  moderation: 'moderation',
  completionTokens: 'completion_tokens',
  citedDocuments: 'cited_document_ids',
  text: 'message_text',
} as const;

const BATCH = 500;
const DELETE_BATCH = 5000;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;
/** Entries kept in memory while the database cannot be written; past this the oldest are dropped (and logged). */
const MAX_PENDING = 100_000;

type Cursor = { id: number };
const isCursor = (v: unknown): v is Cursor => typeof v === 'object' && v !== null && Number.isSafeInteger((v as Cursor).id) && (v as Cursor).id >= 0;

/**
 * Inserts entries into `audit_events` in one statement. Exported for the gateway's interaction claim, which ends an
 * interaction and records it in one transaction, so a replica that dies between the two leaves neither.
 */
export async function insertAuditEvents(db: Queryable, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map((entry) => {
    const row: Record<string, unknown> = { at: entry.at, kind: entry.kind, details: {} };
    for (const [field, value] of Object.entries(entry)) {
      if (field === 'at' || field === 'kind' || value === undefined) continue;
      const column = COLUMNS[field as keyof typeof COLUMNS];
      if (column) row[column] = value;
      else (row.details as Record<string, unknown>)[field] = value;
    }
    return row;
  });
  await db.query(
    `INSERT INTO audit_events (at, kind, user_id, session_id, message_id, correlation_id, outcome, moderation, completion_tokens, cited_document_ids, message_text, details)
     SELECT at, kind, user_id, session_id, message_id, correlation_id, outcome, moderation, completion_tokens, cited_document_ids, message_text, coalesce(details, '{}')
     FROM jsonb_to_recordset($1::jsonb) AS r(at timestamptz, kind text, user_id text, session_id text, message_id text, correlation_id text,
       outcome text, moderation text, completion_tokens integer, cited_document_ids text[], message_text text, details jsonb)`,
    [jsonbParam(rows)],
  );
}

/**
 * The audit trail in PostgreSQL (table `audit_events`, migration 0005), shared by every gateway replica: any of them
 * answers a query with the same entries. Records are queued and inserted in batches; a failed insert is retried with
 * backoff, keeping the entries. Pages follow the table's id, which only grows, so a cursor stays put while new
 * entries arrive and old ones are pruned.
 */
export class PostgresAuditTrail implements AuditTrail, OnModuleDestroy {
  private readonly logger = new Logger('AuditTrail');
  private pending: AuditEntry[] = [];
  private draining?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;
  private retryDelayMs = RETRY_MIN_MS;
  private failing = false;

  constructor(private readonly db: Database) {}

  record(entry: AuditRecord): void {
    this.pending.push({ at: new Date().toISOString(), ...entry } as AuditEntry);
    if (this.pending.length > MAX_PENDING) {
      const dropped = this.pending.length - MAX_PENDING;
      this.pending.splice(0, dropped);
      this.logger.error({ msg: 'audit entries dropped: the database has not been writable for too long', dropped });
    }
    if (!this.retryTimer) void this.drain();
  }

  async flush(): Promise<boolean> {
    while (this.pending.length > 0 || this.draining) {
      await this.drain();
      if (this.failing) return false;
    }
    return true;
  }

  async query(query: AuditQuery): Promise<AuditPage> {
    await this.flush();
    const where: string[] = [];
    const values: unknown[] = [];
    const param = (value: unknown) => (values.push(value), `$${values.length}`);
    if (query.kind) where.push(`kind = ${param(query.kind)}`);
    if (query.user) where.push(`user_id = ${param(query.user)}`);
    if (query.session) where.push(`session_id = ${param(query.session)}`);
    if (query.outcome) where.push(`outcome = ${param(query.outcome)}`);
    if (query.from) where.push(`at >= ${param(query.from)}`);
    if (query.to) where.push(`at < ${param(query.to)}`);
    if (query.cursor) where.push(`id > ${param(decodeCursor(query.cursor, isCursor).id)}`);
    const { rows } = await this.db.query<Row>(
      `SELECT * FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ${param(query.limit + 1)} OFFSET ${param(query.cursor ? 0 : query.offset)}`,
      values,
    );
    const page = rows.slice(0, query.limit);
    return { entries: page.map(toEntry), nextCursor: rows.length > query.limit ? encodeCursor({ id: Number(page[page.length - 1].id) }) : null };
  }

  async tail(limit: number): Promise<AuditEntry[]> {
    await this.flush();
    const { rows } = await this.db.query<Row>('SELECT * FROM audit_events ORDER BY id DESC LIMIT $1', [limit]);
    return rows.reverse().map(toEntry);
  }

  /**
   * In batches, so no statement holds its locks long. The ended rows of `interactions` (the replicas' bookkeeping of
   * which message was recorded) go with them.
   */
  async prune(before: Date): Promise<number> {
    let removed = 0;
    for (;;) {
      const { rowCount } = await this.db.query('DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE at < $1 ORDER BY id LIMIT $2)', [before, DELETE_BATCH]);
      removed += rowCount ?? 0;
      if ((rowCount ?? 0) < DELETE_BATCH) break;
    }
    await this.db.query('DELETE FROM interactions WHERE ended_at < $1', [before]);
    return removed;
  }

  async onModuleDestroy(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (!(await this.flush())) this.logger.error({ msg: 'audit entries not written at shutdown', lost: this.pending.length });
  }

  private drain(): Promise<void> {
    this.draining ??= (async () => {
      try {
        while (this.pending.length > 0) {
          const batch = this.pending.splice(0, BATCH);
          try {
            await insertAuditEvents(this.db, batch);
            if (this.failing) this.logger.log({ msg: 'audit trail writable again' });
            this.failing = false;
            this.retryDelayMs = RETRY_MIN_MS;
          } catch (err) {
            this.pending = batch.concat(this.pending);
            this.onFailure(err as Error);
            return;
          }
        }
      } finally {
        this.draining = undefined;
      }
    })();
    return this.draining;
  }

  private onFailure(err: Error): void {
    if (!this.failing) this.logger.error({ msg: 'audit trail write failed; entries kept and retried', err: err.message, pending: this.pending.length });
    this.failing = true;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.drain();
    }, this.retryDelayMs);
    this.retryTimer.unref();
    this.retryDelayMs = Math.min(RETRY_MAX_MS, this.retryDelayMs * 2);
  }
}

function toEntry(row: Row): AuditEntry {
  const entry: Record<string, unknown> = { at: row.at.toISOString(), kind: row.kind };
  for (const [field, column] of Object.entries(COLUMNS)) {
    const value = row[column];
    if (value !== null && value !== undefined) entry[field] = value;
  }
  return { ...entry, ...row.details } as AuditEntry;
}
