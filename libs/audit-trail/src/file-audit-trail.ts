import type { AuditLog, AuditRecord } from '@relay/observability';
import { createReadStream } from 'node:fs';
import { access, open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { type AuditQuery, decodeCursor, encodeCursor } from './audit-query';
import type { AuditEntry, AuditPage, AuditTrail } from './audit-trail.port';

/**
 * Where the last page ended: its last entry's `at`, and how many entries with that same `at` it had returned (ties
 * are common at millisecond precision). Entries are appended in `at` order and pruning removes only older ones, so
 * neither moves a page boundary.
 */
type FileCursor = { at: string; n: number };
const isFileCursor = (v: unknown): v is FileCursor =>
  typeof v === 'object' && v !== null && typeof (v as FileCursor).at === 'string' && Number.isInteger((v as FileCursor).n) && (v as FileCursor).n > 0;

/** The most bytes `tail` reads backwards for one request. */
const TAIL_BLOCK = 64 * 1024;

/**
 * The audit trail as the JSON-lines file of AuditLog (DATA_DIR/audit/audit.jsonl, fdatasync'd in batches), for one
 * gateway (STORE=file). In the embedded default the pipeline's `request` entries go to the same file, so a query
 * reads them too. Queries scan the file from the start: fine for what one machine keeps within its retention.
 */
export class FileAuditTrail implements AuditTrail {
  constructor(private readonly log: AuditLog) {}

  record(entry: AuditRecord): void {
    this.log.record(entry);
  }

  async flush(): Promise<boolean> {
    await this.log.flush();
    return this.log.stats().pending === 0;
  }

  async query(query: AuditQuery): Promise<AuditPage> {
    await this.log.flush();
    const cursor = query.cursor ? decodeCursor(query.cursor, isFileCursor) : undefined;
    const entries: AuditEntry[] = [];
    // Entries written before interactions named their user: found through the `request` entry of their message.
    const usersMessages = new Set<string>();
    let skipped = 0;
    let tiesSkipped = 0;
    let more = false;
    for await (const entry of this.entries()) {
      if (query.user && entry.kind === 'request' && entry.userId === query.user) usersMessages.add(entry.messageId);
      if (!matches(entry, query, usersMessages)) continue;
      if (cursor) {
        if (entry.at < cursor.at) continue;
        if (entry.at === cursor.at && tiesSkipped < cursor.n) {
          tiesSkipped++;
          continue;
        }
      } else if (skipped < query.offset) {
        skipped++;
        continue;
      }
      if (entries.length === query.limit) {
        more = true;
        break;
      }
      entries.push(entry);
    }
    return { entries, nextCursor: more ? encodeCursor(cursorAfter(entries, cursor)) : null };
  }

  /** The last `limit` lines, read backwards in blocks so a large trail costs only what is returned. */
  async tail(limit: number): Promise<AuditEntry[]> {
    await this.log.flush();
    let file;
    try {
      file = await open(this.log.path, 'r');
    } catch {
      return [];
    }
    try {
      let position = (await file.stat()).size;
      let text = '';
      while (position > 0 && text.split('\n').length <= limit + 1) {
        const length = Math.min(TAIL_BLOCK, position);
        position -= length;
        const buffer = Buffer.alloc(length);
        await file.read(buffer, 0, length, position);
        text = buffer.toString('utf8') + text;
      }
      const lines = text.split('\n').filter((l) => l.trim());
      return lines.slice(-limit).flatMap((line) => parse(line) ?? []);
    } finally {
      await file.close();
    }
  }

  prune(before: Date): Promise<number> {
    const cutoff = before.toISOString();
    // A line that does not parse (torn by a crash) is kept: retention removes old records, not evidence of damage.
    return this.log.rewrite((line) => {
      const at = parse(line)?.at;
      return at === undefined || at >= cutoff;
    });
  }

  private async *entries(): AsyncGenerator<AuditEntry> {
    if (!(await access(this.log.path).then(() => true, () => false))) return;
    const lines = createInterface({ input: createReadStream(this.log.path, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const line of lines) {
      const entry = parse(line);
      if (entry) yield entry;
    }
  }
}

function parse(line: string): AuditEntry | undefined {
  try {
    const entry = JSON.parse(line) as AuditEntry;
    return typeof entry === 'object' && entry !== null && typeof entry.at === 'string' ? entry : undefined;
  } catch {
    return undefined; // a line torn by a crash mid-write
  }
}

function cursorAfter(page: AuditEntry[], previous: FileCursor | undefined): FileCursor {
  const last = page[page.length - 1].at;
  const ties = page.filter((e) => e.at === last).length;
  // A page made only of ties of the previous cursor's `at` continues counting from it.
  return { at: last, n: previous?.at === last ? previous.n + ties : ties };
}

function matches(entry: AuditEntry, query: AuditQuery, usersMessages: Set<string>): boolean {
  if (query.kind && entry.kind !== query.kind) return false;
  if (query.session && !('sessionId' in entry && entry.sessionId === query.session)) return false;
  if (query.outcome && !('outcome' in entry && entry.outcome === query.outcome)) return false;
  if (query.from && entry.at < query.from) return false;
  if (query.to && entry.at >= query.to) return false;
  if (query.user) {
    const own = entry.userId === query.user || (entry.kind === 'interaction' && entry.userId === undefined && usersMessages.has(entry.messageId));
    if (!own) return false;
  }
  return true;
}
