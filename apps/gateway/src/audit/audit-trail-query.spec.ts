import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditQuerySchema, queryAuditTrail } from './audit-trail-query';

const ENTRIES = [
  { at: '2026-12-01T10:00:00.000Z', kind: 'request', userId: 'ann', sessionId: 's1', messageId: 'm1', moderation: 'none' },
  { at: '2026-12-01T10:00:05.000Z', kind: 'interaction', sessionId: 's1', messageId: 'm1', outcome: 'answered' },
  { at: '2026-12-02T09:00:00.000Z', kind: 'request', userId: 'bo', sessionId: 's2', messageId: 'm2', moderation: 'masked' },
  { at: '2026-12-02T09:00:09.000Z', kind: 'interaction', sessionId: 's2', messageId: 'm2', outcome: 'failed' },
  { at: '2026-12-03T08:00:00.000Z', kind: 'access', event: 'sign-in', outcome: 'refused', userId: 'ann' },
];

function trail(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'relay-audit-query-')), 'audit.jsonl');
  writeFileSync(path, `${ENTRIES.map((e) => JSON.stringify(e)).join('\n')}\n{"torn line`);
  return path;
}

async function run(params: Record<string, string>): Promise<Array<Record<string, unknown>>> {
  const found = [];
  for await (const entry of queryAuditTrail(trail(), auditQuerySchema.parse(params))) found.push(entry);
  return found;
}

describe('queryAuditTrail', () => {
  it("finds a user's requests, the interactions of their messages and their access entries", async () => {
    expect((await run({ user: 'ann' })).map((e) => `${e.kind} ${e.messageId ?? e.event}`)).toEqual(['request m1', 'interaction m1', 'access sign-in']);
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

  it('refuses unknown parameters and bad values', () => {
    expect(() => auditQuerySchema.parse({ since: 'x' })).toThrow();
    expect(() => auditQuerySchema.parse({ from: 'yesterday' })).toThrow();
    expect(() => auditQuerySchema.parse({ limit: '5000' })).toThrow();
  });
});
