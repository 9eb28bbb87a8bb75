import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { z } from 'zod';

/** The filters and page of GET /api/admin/audit, validated from its query string. */
export const auditQuerySchema = z
  .object({
    user: z.string().min(1).max(200).optional(),
    session: z.string().min(1).max(200).optional(),
    /** An interaction's outcome (answered, failed, interrupted, …) or an access entry's (allowed, refused). */
    outcome: z.string().min(1).max(50).optional(),
    kind: z.enum(['request', 'interaction', 'access']).optional(),
    // Compared as text with the entries' `at` (toISOString), so normalized to the same form.
    from: z.string().datetime({ offset: true }).transform(toIso).optional(),
    to: z.string().datetime({ offset: true }).transform(toIso).optional(),
    /** Matching entries to skip (the previous pages), oldest first. */
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    format: z.enum(['json', 'jsonl']).default('json'),
  })
  .strict();
export type AuditQuery = z.infer<typeof auditQuerySchema>;

function toIso(value: string): string {
  return new Date(value).toISOString();
}

type Entry = { at?: string; kind?: string; userId?: string; sessionId?: string; messageId?: string; outcome?: string };

/**
 * Reads the audit trail file (JSON lines, oldest first) and yields the entries matching every filter given, from
 * `offset` on, at most `limit`. An `interaction` entry names no user: with `user`, it matches when the same trail
 * holds that user's `request` entry for its message (the embedded default writes both to one file).
 */
export async function* queryAuditTrail(path: string, query: AuditQuery): AsyncGenerator<Record<string, unknown>> {
  if (!(await access(path).then(() => true, () => false))) return;
  const usersMessages = new Set<string>();
  let skipped = 0;
  let yielded = 0;
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (yielded >= query.limit) break;
    let entry: Entry;
    try {
      entry = JSON.parse(line) as Entry;
    } catch {
      continue; // a line torn by a crash mid-write
    }
    if (query.user && entry.kind === 'request' && entry.userId === query.user && entry.messageId) usersMessages.add(entry.messageId);
    if (!matches(entry, query, usersMessages)) continue;
    if (skipped < query.offset) {
      skipped++;
      continue;
    }
    yielded++;
    yield entry as Record<string, unknown>;
  }
}

function matches(entry: Entry, query: AuditQuery, usersMessages: Set<string>): boolean {
  if (query.kind && entry.kind !== query.kind) return false;
  if (query.session && entry.sessionId !== query.session) return false;
  if (query.outcome && entry.outcome !== query.outcome) return false;
  if (query.from && !(entry.at && entry.at >= query.from)) return false;
  if (query.to && !(entry.at && entry.at < query.to)) return false;
  if (query.user) {
    const own = entry.userId === query.user || (entry.kind === 'interaction' && !!entry.messageId && usersMessages.has(entry.messageId));
    if (!own) return false;
  }
  return true;
}
