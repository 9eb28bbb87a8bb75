import type { AuditRecord } from '@relay/observability';
import type { AuditQuery } from './audit-query';

export const AUDIT_TRAIL = Symbol('AUDIT_TRAIL');

/** One entry as stored and returned: the record and when it was made. */
export type AuditEntry = AuditRecord & { at: string };

export interface AuditPage {
  /** Oldest first. */
  entries: AuditEntry[];
  /** Pass as `cursor` for the next page; null when this page was the last (so far). */
  nextCursor: string | null;
}

/**
 * Where the gateway keeps its audit trail (who asked what was answered how; sign-ins and refusals), and reads it
 * back for administrators. A JSON-lines file under DATA_DIR (STORE=file: one gateway), or PostgreSQL's
 * `audit_events` (STORE=postgres: every replica writes and reads the same table).
 */
export interface AuditTrail {
  /** Queued and written soon, in order; never throws or blocks (a failed write is retried and logged). */
  record(entry: AuditRecord): void;
  /** Resolves once everything recorded so far is durably written: true, or false if a write is failing (kept for a retry). */
  flush(): Promise<boolean>;
  /** The entries matching every filter, oldest first, one page. Throws InvalidAuditCursor for a cursor it did not make. */
  query(query: AuditQuery): Promise<AuditPage>;
  /** The newest `limit` entries, newest last. */
  tail(limit: number): Promise<AuditEntry[]>;
  /** Removes the entries made before `before`; how many. */
  prune(before: Date): Promise<number>;
}
