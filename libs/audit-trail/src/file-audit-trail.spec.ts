import { AuditLog } from '@relay/observability';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditQuerySchema } from './audit-query';
import { FileAuditTrail } from './file-audit-trail';

const ENTRIES = [
  { at: '2026-12-01T10:00:00.000Z', kind: 'request', userId: 'ann', sessionId: 's1', messageId: 'm1', moderation: 'none' },
  // Written before interactions named their user: found through the request entry above.
  { at: '2026-12-01T10:00:05.000Z', kind: 'interaction', sessionId: 's1', messageId: 'm1', outcome: 'answered' },
  { at: '2026-12-02T09:00:00.000Z', kind: 'request', userId: 'bo', sessionId: 's2', messageId: 'm2', moderation: 'masked' },
  { at: '2026-12-02T09:00:09.000Z', kind: 'interaction', userId: 'bo', sessionId: 's2', messageId: 'm2', outcome: 'failed' },
  { at: '2026-12-03T08:00:00.000Z', kind: 'access', event: 'sign-in', outcome: 'refused', userId: 'ann' },
];

function trail(): { sut: FileAuditTrail; log: AuditLog } {
  const path = join(mkdtempSync(join(tmpdir(), 'relay-audit-query-')), 'audit.jsonl');
  writeFileSync(path, `${ENTRIES.map((e) => JSON.stringify(e)).join('\n')}\n{"torn line`);
  const log = new AuditLog(path);
  return { sut: new FileAuditTrail(log), log };
}

async function run(params: Record<string, string>) {
  return (await trail().sut.query(auditQuerySchema.parse(params))).entries as Array<Record<string, unknown>>;
}

describe('FileAuditTrail', () => {
  it("finds a user's requests, the interactions of their messages and their access entries", async () => {
    expect((await run({ user: 'ann' })).map((e) => `${e.kind} ${e.messageId ?? e.event}`)).toEqual(['request m1', 'interaction m1', 'access sign-in']);
    expect((await run({ user: 'bo', kind: 'interaction' })).map((e) => e.messageId)).toEqual(['m2']);
  });

  it('filters by session, outcome, kind and time range (from inclusive, to exclusive, any ISO offset)', async () => {
    expect((await run({ session: 's2' })).map((e) => e.messageId)).toEqual(['m2', 'm2']);
    expect((await run({ outcome: 'failed' })).map((e) => e.messageId)).toEqual(['m2']);
    expect((await run({ kind: 'access' })).length).toBe(1);
    expect((await run({ from: '2026-12-02T10:00:00+01:00', to: '2026-12-03T08:00:00Z' })).map((e) => e.at)).toEqual(['2026-12-02T09:00:00.000Z', '2026-12-02T09:00:09.000Z']);
  });

  it('pages oldest first by offset and limit, and skips a torn last line', async () => {
    expect((await run({ limit: '2' })).map((e) => e.at)).toEqual([ENTRIES[0].at, ENTRIES[1].at]);
    expect((await run({ limit: '2', offset: '4' })).map((e) => e.at)).toEqual([ENTRIES[4].at]);
  });

  it('pages by cursor through entries made in the same millisecond, and a page boundary stays put as entries arrive', async () => {
    const log = new AuditLog(join(mkdtempSync(join(tmpdir(), 'relay-audit-cursor-')), 'audit.jsonl'));
    const sut = new FileAuditTrail(log);
    // Made a minute ago (the `late` entry below is made now, so it sorts after them).
    const at = new Date(Date.now() - 60_000).toISOString();
    const first = JSON.stringify({ at: new Date(Date.now() - 120_000).toISOString(), kind: 'access', event: 'sign-in', outcome: 'allowed' });
    const same = Array.from({ length: 5 }, (_, i) => JSON.stringify({ at, kind: 'access', event: `e${i}`, outcome: 'allowed' }));
    writeFileSync(log.path, `${[first, ...same].join('\n')}\n`);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await sut.query(auditQuerySchema.parse({ kind: 'access', limit: '2', ...(cursor ? { cursor } : {}) }));
      seen.push(...page.entries.map((e) => (e as { event: string }).event));
      cursor = page.nextCursor ?? undefined;
      // New entries while paging: they come at the end, none is seen twice or skipped.
      if (seen.length === 2) sut.record({ kind: 'access', event: 'late', outcome: 'allowed' });
    } while (cursor);
    expect(seen).toEqual(['sign-in', 'e0', 'e1', 'e2', 'e3', 'e4', 'late']);
  });

  it('refuses a cursor it did not make', async () => {
    await expect(trail().sut.query(auditQuerySchema.parse({ cursor: 'bm90LWEtY3Vyc29y' }))).rejects.toThrow(/cursor/);
  });

  it('prunes the entries older than the cutoff, keeps a torn line, and appends after it to the new file', async () => {
    const { sut, log } = trail();
    expect(await sut.prune(new Date('2026-12-02T09:00:05.000Z'))).toBe(3);
    sut.record({ kind: 'access', event: 'after-prune', outcome: 'allowed' });
    expect(await sut.flush()).toBe(true);
    const lines = readFileSync(log.path, 'utf8').trim().split('\n');
    expect(lines.map((l) => l.slice(0, 40))).toEqual([expect.stringContaining('2026-12-02T09:00:09'), expect.stringContaining('2026-12-03'), '{"torn line', expect.stringContaining('"at"')]);
    expect((await sut.tail(1))[0]).toMatchObject({ event: 'after-prune' });
  });

  it('refuses unknown parameters and bad values', () => {
    expect(() => auditQuerySchema.parse({ since: 'x' })).toThrow();
    expect(() => auditQuerySchema.parse({ from: 'yesterday' })).toThrow(/ISO 8601/);
    expect(() => auditQuerySchema.parse({ limit: '5000' })).toThrow();
    expect(() => auditQuerySchema.parse({ cursor: 'x', offset: '3' })).toThrow(/not both/);
  });
});
