import type { Ack, ChatChunkEvent, ChatDoneEvent, HistoryMessage } from '@relay/contracts';
import { Database } from '@relay/database';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { io, type Socket } from 'socket.io-client';
import { PostgresUserStore } from '../../apps/gateway/src/users/postgres-user-store';
import { UserAccounts } from '../../apps/gateway/src/users/user-accounts';
import { deleteRelayTopics, startKafka } from '../support/kafka-cluster';
import { TestPostgres } from '../support/postgres';
import { RelayProcess } from '../support/relay-process';

// Issue 13 on a real PostgreSQL and a real Kafka: two gateways (separate processes, separate data folders, as on two
// machines), a pipeline and an LLM worker, with local accounts. A user's chats are the same on both gateways, and
// when the gateway that accepted a message is killed mid-answer, the other one records the whole answer, once, and
// writes its one audit record.
const PASSWORD = 'correct horse battery staple';

describe('two gateways on one PostgreSQL, with sign-in (distributed mode)', () => {
  let postgres: TestPostgres;
  let databaseUrl: string;
  let a: RelayProcess;
  let b: RelayProcess;
  const all: RelayProcess[] = [];

  beforeAll(async () => {
    postgres = TestPostgres.start();
    databaseUrl = await postgres.createDatabase();
    // The account, created as `npm run users` would, in the shared database (migrated by connecting).
    const db = await Database.connect({ url: databaseUrl, poolSize: 1, statementTimeoutMs: 10_000, connectTimeoutMs: 10_000, applicationName: 'relay-test' });
    await new UserAccounts(new PostgresUserStore(db)).create({ userId: 'grace', password: PASSWORD, role: 'member' });
    await db.close();

    const brokers = startKafka(1);
    await deleteRelayTopics(brokers);
    const env = {
      TRANSPORT: 'kafka',
      KAFKA_BROKERS: brokers,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      KAFKA_HEARTBEAT_INTERVAL_MS: '500',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      // The test is about the store, not retrieval: no knowledge base to index at the pipeline's start.
      SEED_KNOWLEDGE_BASE: 'false',
      STORE: 'postgres',
      DATABASE_URL: databaseUrl,
      AUTH_MODE: 'local',
      RETRIEVER_MIN_SCORE: '0.99',
      LLM_MAX_TOKENS: '96',
    };
    const start = async (entry: string) => {
      const p = await RelayProcess.start(env, mkdtempSync(join(tmpdir(), 'relay-id-')), entry);
      all.push(p);
      return p;
    };
    a = await start('apps/gateway/src/main.js');
    b = await start('apps/gateway/src/main.js');
    await Promise.all([start('apps/pipeline/src/main.js'), start('apps/llm-worker/src/main.js')]);
  }, 300_000);

  afterAll(async () => {
    await Promise.all(all.map((p) => p.stop()));
    await postgres?.stop();
  }, 60_000);

  const api = async (relay: RelayProcess, method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${relay.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  const signIn = async (relay: RelayProcess): Promise<string> => {
    const res = await fetch(`${relay.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'grace', password: PASSWORD, bearer: true }) });
    expect(res.status).toBe(200);
    return ((await res.json()) as { token: string }).token;
  };

  const connect = (relay: RelayProcess, token: string, sessionId: string): Promise<Socket> =>
    new Promise((ok, fail) => {
      const socket = io(`${relay.baseUrl}/chat`, { auth: { token, sessionId }, transports: ['websocket'], reconnection: false });
      socket.once('connect', () => ok(socket));
      socket.once('connect_error', fail);
    });

  it('lists a user’s chats the same on both gateways, with a sign-in made on either', async () => {
    const token = await signIn(a);
    const created = await api(a, 'POST', '/api/sessions', token, {});
    expect(created.status).toBe(201);
    const sessionId = created.body.sessionId as string;
    // The sign-in made through A opens B too (the sign-in session is in the shared store).
    expect((await api(b, 'PATCH', `/api/sessions/${sessionId}`, token, { title: 'Shared plans' })).status).toBe(200);
    const onA = (await api(a, 'GET', '/api/sessions', token)).body.sessions;
    const onB = (await api(b, 'GET', '/api/sessions', token)).body.sessions;
    expect(onA).toEqual(onB);
    expect(onA).toEqual([expect.objectContaining({ sessionId, title: 'Shared plans' })]);
    // Signing out through B ends it on A at once.
    const other = await signIn(b);
    expect((await api(b, 'POST', '/api/auth/logout', other)).status).toBe(200);
    expect((await api(a, 'GET', '/api/sessions', other)).status).toBe(401);
  });

  it('keeps the whole answer once, and one audit record, when the gateway that accepted the message dies mid-answer', async () => {
    const token = await signIn(a);
    const sessionId = (await api(a, 'POST', '/api/sessions', token, {})).body.sessionId as string;
    const onA = await connect(a, token, sessionId);
    const chunks: ChatChunkEvent[] = [];
    const firstChunk = new Promise<void>((resolve) => onA.on('chat:chunk', (e: ChatChunkEvent) => (chunks.push(e), resolve())));
    const ack = (await onA.timeout(10_000).emitWithAck('chat:send', { sessionId, clientMessageId: 'kill-1', text: 'Explain in detail how Relay streams an answer.' })) as Ack<{ messageId: string }>;
    if (!ack.ok) throw new Error(`send refused: ${ack.error.code}`);
    const { messageId } = ack;
    await firstChunk;
    a.kill(); // SIGKILL, mid-answer: nothing of A's shutdown runs
    const seenOnA = chunks.map((c) => c.delta).join('');

    // The client moves to B and resumes: B saw every chunk on chat.responses too.
    const onB = await connect(b, token, sessionId);
    const done = new Promise<ChatDoneEvent>((resolve) => onB.on('chat:done', (e: ChatDoneEvent) => e.messageId === messageId && resolve(e)));
    const resumed = (await onB.timeout(10_000).emitWithAck('chat:resume', { sessionId, messageId, fromSeq: 0 })) as Ack<{ state: string }>;
    expect(resumed.ok).toBe(true);
    const final = await done;
    expect(final.text.startsWith(seenOnA)).toBe(true);
    expect(final.text.length).toBeGreaterThan(seenOnA.length);

    // The history, read through B, holds the question and the whole answer, once each.
    let messages: HistoryMessage[] = [];
    for (let i = 0; i < 50; i++) {
      messages = (await api(b, 'GET', `/api/sessions/${sessionId}/messages`, token)).body.messages as HistoryMessage[];
      if (messages.some((m) => m.role === 'assistant')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(messages.map((m) => [m.role, m.messageId])).toEqual([
      ['user', messageId],
      ['assistant', messageId],
    ]);
    expect(messages[1].text).toBe(final.text);
    onA.close();
    onB.close();

    // One interaction record, written by B (A died before the end and wrote none) into the shared audit table in the
    // transaction that ended the shared row; no gateway's own file holds one.
    const recordsIn = (relay: RelayProcess) => {
      const path = join(relay.dataDir, 'audit', 'audit.jsonl');
      if (!existsSync(path)) return [];
      return readFileSync(path, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { kind: string; messageId?: string; outcome?: string })
        .filter((e) => e.kind === 'interaction' && e.messageId === messageId);
    };
    expect(recordsIn(a)).toEqual([]);
    expect(recordsIn(b)).toEqual([]);
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT outcome, ended_at IS NOT NULL AS ended FROM interactions WHERE message_id = $1', [messageId]);
      expect(rows).toEqual([{ outcome: 'answered', ended: true }]);
      const audited = await client.query("SELECT user_id, outcome FROM audit_events WHERE kind = 'interaction' AND message_id = $1", [messageId]);
      expect(audited.rows).toEqual([{ user_id: 'grace', outcome: 'answered' }]);
      // The answer no longer counts against the user's answers in flight.
      expect((await client.query('SELECT count(*)::int AS n FROM user_answers_in_flight WHERE message_id = $1', [messageId])).rows[0].n).toBe(0);
    } finally {
      await client.end();
    }
  }, 180_000);
});
