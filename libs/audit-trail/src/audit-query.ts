import { z } from 'zod';

/** The filters and page of an audit query (GET /api/admin/audit), validated from its query string. */
export const auditQuerySchema = z
  .object({
    user: z.string().min(1).max(200).optional(),
    session: z.string().min(1).max(200).optional(),
    /** An interaction's outcome (answered, expired, interrupted, error:<CODE>, …) or an access entry's (allowed, refused). */
    outcome: z.string().min(1).max(50).optional(),
    kind: z.enum(['request', 'interaction', 'access']).optional(),
    // Compared with the entries' `at` (toISOString), so normalized to the same form.
    from: z.string().datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2026-12-03T10:00:00Z' }).transform(toIso).optional(),
    to: z.string().datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2026-12-03T10:00:00Z' }).transform(toIso).optional(),
    /** Where the previous page ended (its nextCursor): stable while new entries arrive and old ones are pruned. */
    cursor: z.string().min(1).max(500).optional(),
    /** Matching entries to skip (the previous pages), oldest first; `cursor` is the sturdier way to page. */
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    format: z.enum(['json', 'jsonl']).default('json'),
  })
  .strict()
  .refine((q) => !(q.cursor && q.offset > 0), { message: 'give cursor or offset, not both', path: ['cursor'] });
export type AuditQuery = z.infer<typeof auditQuerySchema>;

function toIso(value: string): string {
  return new Date(value).toISOString();
}

/** A cursor the adapter that made it cannot read back (tampered with, or from another store): the client's mistake. */
export class InvalidAuditCursor extends Error {
  constructor() {
    super('cursor: not a cursor this endpoint returned');
  }
}

/** Cursors are opaque to clients: base64url of a small JSON object each adapter defines. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string, valid: (value: unknown) => value is T): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidAuditCursor();
  }
  if (!valid(value)) throw new InvalidAuditCursor();
  return value;
}
