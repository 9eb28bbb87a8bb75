import type { HistoryMessage } from '@relay/contracts';
import { Client } from 'pg';
import { ChatClient, createSession } from '../support/chat-client';
import { TestPostgres } from '../support/postgres';
import { RelayProcess } from '../support/relay-process';

// Two Relay processes (the built embedded app, real models, each its own DATA_DIR and transport) on one real
// PostgreSQL with STORE=postgres, as two gateway replicas behind a load balancer without sticky sessions would be:
// whatever one records, the other serves.
const APP_ENV = { STORE: 'postgres', LLM_MAX_TOKENS: '16', SEED_KNOWLEDGE_BASE: 'false' };

describe('two Relay processes sharing one PostgreSQL (STORE=postgres)', () => {
  let postgres: TestPostgres;
  let a: RelayProcess;
  let b: RelayProcess;
  let databaseUrl: string;

  beforeAll(async () => {
    postgres = TestPostgres.start();
    databaseUrl = await postgres.createDatabase();
    const env = { ...APP_ENV, DATABASE_URL: databaseUrl };
    // Started together: both migrate the empty database at once, under the advisory lock.
    [a, b] = await Promise.all([RelayProcess.start(env), RelayProcess.start(env)]);
  }, 240_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await postgres?.stop();
  });

  const history = async (relay: RelayProcess, sessionId: string, token: string) => {
    const res = await fetch(`${relay.baseUrl}/api/sessions/${sessionId}/messages`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as { messages: HistoryMessage[]; error?: { code: string } } };
  };

  it('reports the database ready on both, migrated once', async () => {
    for (const relay of [a, b]) {
      const body = (await (await fetch(`${relay.baseUrl}/health/ready`)).json()) as { details: Record<string, Record<string, unknown>> };
      expect(body.details.database).toMatchObject({ status: 'up', kind: 'postgres', schemaVersion: 5 });
      expect(body.details['session-store']).toMatchObject({ status: 'up', kind: 'postgres' });
    }
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      expect((await client.query('SELECT name FROM schema_migrations ORDER BY version')).rows).toEqual([{ name: '0001_sessions.sql' }, { name: '0002_documents.sql' }, { name: '0003_document_collections.sql' }, { name: '0004_identity.sql' }, { name: '0005_audit_events.sql' }]);
    } finally {
      await client.end();
    }
  });

  it('serves on one process a session created and answered on the other, and records turns from both in order', async () => {
    const session = await createSession(a.baseUrl);
    const onA = await ChatClient.connect(a.baseUrl, session.token);
    const first = await onA.ask(session.sessionId, 'What is Relay?', 'first');
    onA.close();
    expect(first.done?.text.length).toBeGreaterThan(0);

    // B never saw this session: it reads it, and its history, from the database.
    const read = await history(b, session.sessionId, session.token);
    expect(read.status).toBe(200);
    expect(read.body.messages.map((m) => [m.role, m.text])).toEqual([
      ['user', 'What is Relay?'],
      ['assistant', first.done!.text],
    ]);
    expect(read.body.messages[1]).toMatchObject({ messageId: first.done!.messageId, finishReason: first.done!.finishReason, details: { model: first.done!.model } });

    const onB = await ChatClient.connect(b.baseUrl, session.token);
    try {
      const second = await onB.ask(session.sessionId, 'And how do I start it?', 'second');
      expect(second.done?.text.length).toBeGreaterThan(0);
      // A re-send of A's client message id through B gets A's message id, and nothing is generated again.
      const again = await onB.emitWithAck<{ ok: boolean; messageId: string }>('chat:send', { sessionId: session.sessionId, clientMessageId: 'first', text: 'What is Relay?' });
      expect(again).toEqual({ ok: true, messageId: first.done!.messageId });
      const socketHistory = await onB.history(session.sessionId);
      expect(socketHistory.ok && socketHistory.messages.map((m) => `${m.role}:${m.messageId}`)).toEqual([
        `user:${first.done!.messageId}`,
        `assistant:${first.done!.messageId}`,
        `user:${second.done!.messageId}`,
        `assistant:${second.done!.messageId}`,
      ]);
    } finally {
      onB.close();
    }
    expect((await history(a, session.sessionId, session.token)).body.messages).toHaveLength(4);
  });

  it('forgets a session deleted on one process on the other as well', async () => {
    const session = await createSession(b.baseUrl);
    const del = await fetch(`${a.baseUrl}/api/sessions/${session.sessionId}`, { method: 'DELETE', headers: { authorization: `Bearer ${session.token}` } });
    expect(del.status).toBe(200);
    const read = await history(b, session.sessionId, session.token);
    expect(read.status).toBe(404);
    expect(read.body.error?.code).toBe('UNKNOWN_SESSION');
  });

  it('lists a document uploaded through one process on the other at once', async () => {
    const form = new FormData();
    form.append('file', new Blob(['# Harbour log\n\nThe Quillane ferry leaves at dawn from pier nine.\n']), 'harbour.md');
    const upload = await fetch(`${a.baseUrl}/api/documents`, { method: 'POST', body: form, headers: { 'X-Relay-Request': '1' } });
    expect(upload.status).toBe(201);
    const { document } = (await upload.json()) as { document: { documentId: string } };
    const listed = (await (await fetch(`${b.baseUrl}/api/documents`)).json()) as { documents: Array<{ documentId: string; title: string; status: string }> };
    expect(listed.documents).toContainEqual(expect.objectContaining({ documentId: document.documentId, title: 'Harbour log', status: 'indexed' }));
  });
});
