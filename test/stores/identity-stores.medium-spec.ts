import { type AuditEntry, auditQuerySchema, PostgresAuditTrail } from '@relay/audit-trail';
import { Database } from '@relay/database';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessStore } from '../../apps/gateway/src/access/access-store.port';
import { CollectionAccess } from '../../apps/gateway/src/access/collection-access';
import { FileAccessStore } from '../../apps/gateway/src/access/file-access-store';
import { PostgresAccessStore } from '../../apps/gateway/src/access/postgres-access-store';
import { PostgresSharedInteractions } from '../../apps/gateway/src/audit/postgres-shared-interactions';
import type { OpenInteraction } from '../../apps/gateway/src/audit/interaction-journal';
import { FileSignInSessionStore } from '../../apps/gateway/src/auth/file-sign-in-session-store';
import { PostgresSignInSessionStore } from '../../apps/gateway/src/auth/postgres-sign-in-session-store';
import type { SignInSessionRecord, SignInSessionStore } from '../../apps/gateway/src/auth/sign-in-session-store.port';
import { InMemoryUsageLedger } from '../../apps/gateway/src/fair-use/in-memory-usage-ledger';
import { PostgresUsageLedger } from '../../apps/gateway/src/fair-use/postgres-usage-ledger';
import type { UsageLedger } from '../../apps/gateway/src/fair-use/usage-ledger.port';
import { FileUserStore } from '../../apps/gateway/src/users/file-user-store';
import { PostgresUserStore } from '../../apps/gateway/src/users/postgres-user-store';
import type { UserRecord, UserStore } from '../../apps/gateway/src/users/user-store.port';
import { TestPostgres } from '../support/postgres';

// The identity stores (users, sign-in sessions, collections and grants, per-user usage) meet one contract on both
// adapters: files under DATA_DIR and a real PostgreSQL (migration 0003).

let postgres: TestPostgres;
const databases: Database[] = [];

async function newDatabase(): Promise<Database> {
  const db = await Database.connect({ url: await postgres.createDatabase(), poolSize: 4, statementTimeoutMs: 10_000, connectTimeoutMs: 10_000, applicationName: 'relay-test' });
  databases.push(db);
  return db;
}

beforeAll(() => {
  postgres = TestPostgres.start();
});
afterAll(async () => {
  await Promise.all(databases.map((d) => d.close()));
  await postgres.stop();
});

interface Places {
  users(): Promise<UserStore>;
  sessions(): Promise<SignInSessionStore>;
  access(): Promise<AccessStore>;
}

const adapters: Array<[string, Places]> = [
  [
    'files',
    {
      users: async () => new FileUserStore(mkdtempSync(join(tmpdir(), 'relay-users-'))),
      sessions: async () => new FileSignInSessionStore(mkdtempSync(join(tmpdir(), 'relay-signin-'))),
      access: async () => new FileAccessStore(mkdtempSync(join(tmpdir(), 'relay-access-'))),
    },
  ],
  [
    'PostgreSQL',
    {
      users: async () => new PostgresUserStore(await newDatabase()),
      sessions: async () => new PostgresSignInSessionStore(await newDatabase()),
      access: async () => new PostgresAccessStore(await newDatabase()),
    },
  ],
];

const user = (userId: string, extra: Partial<UserRecord> = {}): UserRecord => ({
  userId,
  displayName: userId.toUpperCase(),
  role: 'member',
  groups: ['eng'],
  passwordHash: 'scrypt$15$8$1$salt$hash',
  disabled: false,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});

const signIn = (idHash: string, userId: string, expiresInMs = 3_600_000): SignInSessionRecord => ({
  idHash,
  principal: { userId, name: userId, role: 'member', roles: ['member', 'team-x'], groups: ['eng'] },
  csrfToken: `csrf-${idHash}`,
  createdAt: new Date().toISOString(),
  expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
});

describe.each(adapters)('identity stores on %s', (_name, places) => {
  it('keeps accounts: create once, read, change fields, list in order, delete', async () => {
    const store = await places.users();
    expect(await store.create(user('bob'))).toBe(true);
    expect(await store.create(user('bob', { role: 'admin' }))).toBe(false);
    expect(await store.create(user('alice', { groups: [] }))).toBe(true);
    expect(await store.get('bob')).toEqual(user('bob'));
    expect(await store.update('bob', { role: 'reader', disabled: true, groups: ['ops', 'eng'] })).toBe(true);
    expect(await store.get('bob')).toMatchObject({ role: 'reader', disabled: true, groups: ['ops', 'eng'], passwordHash: 'scrypt$15$8$1$salt$hash' });
    expect(await store.update('nobody', { role: 'admin' })).toBe(false);
    expect((await store.list()).map((u) => u.userId)).toEqual(['alice', 'bob']);
    expect(await store.delete('bob')).toBe(true);
    expect(await store.get('bob')).toBeUndefined();
    // A name that is also a property of every object is just a name.
    expect(await store.get('constructor')).toBeUndefined();
  });

  it('keeps sign-in sessions until they expire, end, or the user signs out everywhere', async () => {
    const store = await places.sessions();
    await store.create(signIn('h1', 'bob'));
    await store.create(signIn('h2', 'bob'));
    await store.create(signIn('h3', 'alice'));
    await store.create(signIn('h4', 'alice', -1000));
    expect(await store.get('h1')).toEqual(signIn('h1', 'bob') && expect.objectContaining({ idHash: 'h1', csrfToken: 'csrf-h1', principal: expect.objectContaining({ roles: ['member', 'team-x'] }) }));
    expect(await store.get('h4')).toBeUndefined(); // expired
    expect(await store.delete('h1')).toBe(true);
    expect(await store.get('h1')).toBeUndefined();
    expect(await store.deleteAllOf('bob')).toBe(1);
    expect(await store.get('h2')).toBeUndefined();
    expect(await store.get('h3')).toBeDefined();
  });

  it('keeps collections and grants; the readable set follows the grants at once', async () => {
    const store = await places.access();
    const access = new CollectionAccess(store);
    const bob = { userId: 'bob', role: 'member' as const, roles: ['member'], groups: ['eng'] };
    const carol = { userId: 'carol', role: 'reader' as const, roles: ['reader', 'auditor'], groups: [] };
    expect((await store.listCollections()).map((c) => c.collectionId)).toEqual(['default']);
    expect(await store.createCollection({ collectionId: 'finance', name: 'Finance', ownerId: 'alice', createdAt: new Date().toISOString() })).toBe(true);
    expect(await store.createCollection({ collectionId: 'finance', name: 'again', ownerId: 'bob', createdAt: new Date().toISOString() })).toBe(false);
    expect(await access.readable(bob)).toEqual(['default']);

    const grant = { collectionId: 'finance', grantedBy: 'alice', grantedAt: new Date().toISOString() };
    expect(await store.putGrant({ ...grant, subjectType: 'group', subjectId: 'eng', access: 'read' })).toBe(true);
    expect(await store.putGrant({ ...grant, subjectType: 'role', subjectId: 'auditor', access: 'write' })).toBe(true);
    expect(await store.putGrant({ ...grant, collectionId: 'missing', subjectType: 'user', subjectId: 'bob', access: 'read' })).toBe(false);
    expect(await access.readable(bob)).toEqual(['default', 'finance']);
    expect(await access.canWrite(bob, 'finance')).toBe(false);
    // A reader with a write grant still only reads.
    expect(await access.readable(carol)).toEqual(['default', 'finance']);
    expect(await access.canWrite(carol, 'finance')).toBe(false);
    // Replacing a grant changes it; revoking it removes it.
    expect(await store.putGrant({ ...grant, subjectType: 'group', subjectId: 'eng', access: 'write' })).toBe(true);
    expect(await access.canWrite(bob, 'finance')).toBe(true);
    expect((await store.listGrants('finance')).map((g) => `${g.subjectType}:${g.subjectId}:${g.access}`).sort()).toEqual(['group:eng:write', 'role:auditor:write']);
    expect(await store.deleteGrant('finance', 'group', 'eng')).toBe(true);
    expect(await store.deleteGrant('finance', 'group', 'eng')).toBe(false);
    expect(await access.readable(bob)).toEqual(['default']);
    expect(await access.canManage({ ...bob, userId: 'alice' }, 'finance')).toBe(true);
    expect(await store.deleteCollection('finance')).toBe(true);
    expect(await store.listGrants()).toEqual([]);
  });
});

describe.each<[string, () => Promise<UsageLedger>]>([
  ['in memory', async () => new InMemoryUsageLedger()],
  ['PostgreSQL', async () => new PostgresUsageLedger(await newDatabase())],
])('the usage ledger (%s)', (_name, make) => {
  const limits = { messagesPerMin: 100, answersInFlight: 2, tokensPerDay: 50 };

  it('counts answers in flight and tokens once, however many replicas settle the same answer', async () => {
    const ledger = await make();
    await ledger.admit('u', 'm1', limits);
    await ledger.admit('u', 'm2', limits);
    await expect(ledger.admit('u', 'm3', limits)).rejects.toMatchObject({ code: 'RATE_LIMITED', details: expect.objectContaining({ reason: 'user-answers-in-flight' }) });
    await Promise.all([ledger.settle('m1', 30), ledger.settle('m1', 30), ledger.settle('m1', 30)]);
    await ledger.admit('u', 'm3', limits);
    await ledger.settle('m2', 30);
    // 60 tokens today: over the 50 a day.
    await expect(ledger.admit('u', 'm4', limits)).rejects.toMatchObject({ code: 'RATE_LIMITED', details: expect.objectContaining({ reason: 'user-tokens-per-day' }) });
    await expect(ledger.admit('someone-else', 'm5', limits)).resolves.toBeUndefined();
  });
});

describe('shared interactions on PostgreSQL', () => {
  it('leaves the interaction open for another replica when recording it fails', async () => {
    const db = await newDatabase();
    const shared = new PostgresSharedInteractions(db);
    await shared.open({ messageId: 'm9', sessionId: 's1', correlationId: 'c9' });
    // A record the table refuses (an unknown kind): the claim rolls back with it.
    const bad = (i: OpenInteraction) => ({ at: new Date().toISOString(), kind: 'no-such-kind', ...i, outcome: 'answered' }) as unknown as AuditEntry;
    await expect(shared.claim('m9', 'answered', bad)).rejects.toThrow();
    expect(await shared.openSince(0)).toEqual(['m9']);
  });

  it('lets exactly one of several replicas end an interaction', async () => {
    const db = await newDatabase();
    const replicas = [new PostgresSharedInteractions(db), new PostgresSharedInteractions(db), new PostgresSharedInteractions(db)];
    await replicas[0].open({ messageId: 'm1', sessionId: 's1', correlationId: 'c1', userId: 'ann', text: 'what is Relay?' });
    const record = (i: OpenInteraction): AuditEntry => ({ at: new Date().toISOString(), kind: 'interaction', ...i, outcome: 'answered' });
    const claims = await Promise.all(replicas.map((r) => r.claim('m1', 'answered', record)));
    expect(claims.filter(Boolean)).toEqual([expect.objectContaining({ messageId: 'm1', sessionId: 's1', correlationId: 'c1', userId: 'ann', text: 'what is Relay?', outcome: 'answered' })]);
    // The text (AUDIT_MESSAGE_TEXT) moved into the audit entry: the ended row keeps none.
    expect((await db.query("SELECT message_text FROM interactions WHERE message_id = 'm1'")).rows).toEqual([{ message_text: null }]);
    expect(await replicas[1].claim('m1', 'interrupted', record)).toBeUndefined();
    // The claim wrote the one audit record, in the shared table.
    expect((await new PostgresAuditTrail(db).query(auditQuerySchema.parse({ kind: 'interaction' }))).entries).toEqual([
      expect.objectContaining({ kind: 'interaction', messageId: 'm1', userId: 'ann', text: 'what is Relay?', outcome: 'answered' }),
    ]);
    await replicas[0].open({ messageId: 'm2', sessionId: 's1', correlationId: 'c2' });
    expect(await replicas[2].openSince(0)).toEqual(['m2']);
    await replicas[0].withdraw('m2');
    expect(await replicas[2].openSince(0)).toEqual([]);
  });
});
