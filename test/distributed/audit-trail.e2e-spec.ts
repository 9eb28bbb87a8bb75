import type { Ack, ChatDoneEvent } from '@relay/contracts';
import { Database } from '@relay/database';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { PostgresUserStore } from '../../apps/gateway/src/users/postgres-user-store';
import { UserAccounts } from '../../apps/gateway/src/users/user-accounts';
import { deleteRelayTopics, startKafka } from '../support/kafka-cluster';
import { TestPostgres } from '../support/postgres';
import { RelayProcess } from '../support/relay-process';

// Issue 14, item 4, on a real PostgreSQL and a real Kafka: the audit trail of the distributed mode lives in the shared
// store, so what 50 chats did is still there, whole, after the gateway that accepted them is killed (SIGKILL, answers
// in flight), and every gateway (one that was running, one started after) answers the same audit query.
const PASSWORD = 'correct horse battery staple';
const SESSIONS = 10;
const PER_SESSION = 5;

type AuditEntry = { kind: string; userId?: string; sessionId?: string; messageId?: string; outcome?: string; moderation?: string; completionTokens?: number; at: string };
type AuditPage = { entries: AuditEntry[]; nextCursor: string | null };

describe('the audit trail in the shared store (distributed mode)', () => {
  let postgres: TestPostgres;
  let env: Record<string, string>;
  let a: RelayProcess;
  let b: RelayProcess;
  const all: RelayProcess[] = [];

  beforeAll(async () => {
    postgres = TestPostgres.start();
    const databaseUrl = await postgres.createDatabase();
    const db = await Database.connect({ url: databaseUrl, poolSize: 1, statementTimeoutMs: 10_000, connectTimeoutMs: 10_000, applicationName: 'relay-test' });
    const accounts = new UserAccounts(new PostgresUserStore(db));
    await accounts.create({ userId: 'root', password: PASSWORD, role: 'admin' });
    await accounts.create({ userId: 'grace', password: PASSWORD, role: 'member' });
    await db.close();

    const brokers = startKafka(1);
    await deleteRelayTopics(brokers);
    env = {
      TRANSPORT: 'kafka',
      KAFKA_BROKERS: brokers,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      KAFKA_HEARTBEAT_INTERVAL_MS: '500',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      SEED_KNOWLEDGE_BASE: 'false',
      STORE: 'postgres',
      DATABASE_URL: databaseUrl,
      AUTH_MODE: 'local',
      // 50 messages from one user in a few seconds: the fair-use limits are not under test.
      USER_MESSAGES_PER_MIN: '0',
      USER_ANSWERS_IN_FLIGHT: '0',
      RETRIEVER_MIN_SCORE: '0.99',
      LLM_MAX_TOKENS: '12',
      LLM_PARALLEL: '4',
    };
    a = await start();
    b = await start();
    await Promise.all([start('apps/pipeline/src/main.js'), start('apps/llm-worker/src/main.js')]);
  }, 300_000);

  afterAll(async () => {
    await Promise.all(all.map((p) => p.stop()));
    await postgres?.stop();
  }, 60_000);

  async function start(entry = 'apps/gateway/src/main.js'): Promise<RelayProcess> {
    const p = await RelayProcess.start(env, mkdtempSync(join(tmpdir(), 'relay-audit-')), entry);
    all.push(p);
    return p;
  }

  const signIn = async (relay: RelayProcess, username: string): Promise<string> => {
    const res = await fetch(`${relay.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD, bearer: true }) });
    expect(res.status).toBe(200);
    return ((await res.json()) as { token: string }).token;
  };

  const get = async (relay: RelayProcess, path: string, token: string) => {
    const res = await fetch(`${relay.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, text: await res.text() };
  };

  const connect = (relay: RelayProcess, token: string, sessionId: string): Promise<Socket> =>
    new Promise((ok, fail) => {
      const socket = io(`${relay.baseUrl}/chat`, { auth: { token, sessionId }, transports: ['websocket'], reconnection: false });
      socket.once('connect', () => ok(socket));
      socket.once('connect_error', fail);
    });

  /** Every page of a query, following nextCursor. */
  const allPages = async (relay: RelayProcess, query: string, token: string): Promise<AuditEntry[]> => {
    const entries: AuditEntry[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(relay, `/api/admin/audit?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, token);
      expect(res.status).toBe(200);
      const page = JSON.parse(res.text) as AuditPage;
      entries.push(...page.entries);
      cursor = page.nextCursor;
    } while (cursor);
    return entries;
  };

  it('returns what 50 chats did after the gateway that accepted them was killed mid-answer', async () => {
    const token = await signIn(a, 'grace');
    const sessionIds: string[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const res = await fetch(`${a.baseUrl}/api/sessions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(201);
      sessionIds.push(((await res.json()) as { sessionId: string }).sessionId);
    }
    const sockets = await Promise.all(sessionIds.map((id) => connect(a, token, id)));
    let answeredBeforeKill = 0;
    for (const s of sockets) s.on('chat:done', (_e: ChatDoneEvent) => answeredBeforeKill++);
    const acks = await Promise.all(
      sockets.flatMap((socket, i) =>
        Array.from({ length: PER_SESSION }, async (_, j) => {
          const ack = (await socket.timeout(20_000).emitWithAck('chat:send', { sessionId: sessionIds[i], clientMessageId: `m-${i}-${j}`, text: `Question ${j} of chat ${i}: what is Relay?` })) as Ack<{ messageId: string }>;
          if (!ack.ok) throw new Error(`send refused: ${ack.error.code}`);
          return { sessionId: sessionIds[i], messageId: ack.messageId };
        }),
      ),
    );
    expect(acks).toHaveLength(SESSIONS * PER_SESSION);

    // A few answers finished (audited while A lived), most still in flight: then A dies without any shutdown.
    const deadline = Date.now() + 120_000;
    while (answeredBeforeKill < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    a.kill();
    const inFlightAtKill = acks.length - answeredBeforeKill;
    for (const s of sockets) s.close();
    expect(answeredBeforeKill).toBeGreaterThanOrEqual(5);
    expect(inFlightAtKill).toBeGreaterThan(0);

    // B (which accepted none of them) answers the audit query with all 50, each with its outcome.
    const admin = await signIn(b, 'root');
    let entries: AuditEntry[] = [];
    const until = Date.now() + 180_000;
    while (Date.now() < until) {
      entries = await allPages(b, 'kind=interaction&user=grace&limit=20', admin);
      if (entries.length >= acks.length) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(entries.map((e) => e.messageId).sort()).toEqual(acks.map((x) => x.messageId).sort());
    const bySession = new Map(acks.map((x) => [x.messageId, x.sessionId]));
    for (const e of entries) {
      expect(e).toEqual(expect.objectContaining({ kind: 'interaction', userId: 'grace', outcome: 'answered', moderation: 'none' }));
      expect(e.sessionId).toBe(bySession.get(e.messageId!));
      expect(e.completionTokens).toBeGreaterThan(0);
    }

    // One session's messages, by the session filter; none of another user's.
    const oneSession = JSON.parse((await get(b, `/api/admin/audit?kind=interaction&session=${sessionIds[3]}`, admin)).text) as AuditPage;
    expect(oneSession.entries.map((e) => e.messageId).sort()).toEqual(acks.filter((x) => x.sessionId === sessionIds[3]).map((x) => x.messageId).sort());
    expect((JSON.parse((await get(b, '/api/admin/audit?kind=interaction&user=root', admin)).text) as AuditPage).entries).toEqual([]);

    // A time range that ends before the chats holds none of them; one that spans them holds them all.
    const firstAt = entries.map((e) => e.at).sort()[0];
    const before = JSON.parse((await get(b, `/api/admin/audit?kind=interaction&to=${encodeURIComponent(firstAt)}`, admin)).text) as AuditPage;
    expect(before.entries).toEqual([]);

    // The JSONL export: one line per interaction.
    const exported = await get(b, '/api/admin/audit?kind=interaction&user=grace&format=jsonl&limit=1000', admin);
    expect(exported.status).toBe(200);
    expect(exported.text.trim().split('\n').map((l) => (JSON.parse(l) as AuditEntry).messageId).sort()).toEqual(acks.map((x) => x.messageId).sort());

    // A gateway started after it all answers the same.
    const c = await start();
    const adminOnC = await signIn(c, 'root');
    expect(await allPages(c, 'kind=interaction&user=grace&limit=20', adminOnC)).toEqual(entries);

    // Bad parameters: 400 naming the parameter; a member: 403.
    const bad = await get(c, '/api/admin/audit?from=yesterday', adminOnC);
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/from/);
    expect((await get(c, '/api/admin/audit', await signIn(c, 'grace'))).status).toBe(403);
  }, 420_000);
});
