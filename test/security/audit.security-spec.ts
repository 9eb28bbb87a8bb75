import { ScriptedLlm } from '@relay/testing';
import { mkdirSync, mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ChatClient, createSession } from '../support/chat-client';
import { MediumRelay, startMediumRelay } from '../medium/relay-app';

// Finding 8: the audit log had no 'error' listener (a full disk or EACCES became an uncaught exception), deleting a
// session or restarting a gateway dropped in-flight answers' interaction records, and writes were not flushed.
// Every accepted message must end with exactly one interaction record.

interface AuditLine {
  kind: string;
  messageId?: string;
  outcome?: string;
}

const readAudit = (path: string): AuditLine[] =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as AuditLine)
    : [];

const interactionsOf = (path: string, messageId: string) => readAudit(path).filter((l) => l.kind === 'interaction' && l.messageId === messageId);

async function eventually(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Sends a message to a slow model and resolves once its first chunk has arrived. */
async function sendAndWaitForFirstChunk(relay: MediumRelay): Promise<{ session: { sessionId: string; token: string }; client: ChatClient; messageId: string }> {
  const session = await createSession(relay.url);
  const client = await ChatClient.connect(relay.url, session.token);
  const ack = await client.emitWithAck<{ ok: boolean; messageId: string }>('chat:send', { sessionId: session.sessionId, clientMessageId: 'c1', text: 'tell me slowly' });
  expect(ack.ok).toBe(true);
  await client.waitFor(() => client.chunks.some((c) => c.messageId === ack.messageId));
  return { session, client, messageId: ack.messageId };
}

const slowLlm = () => new ScriptedLlm('one two three four five six seven eight nine ten eleven twelve', 150);

describe('finding 8: the audit log survives a failing disk', () => {
  it('keeps serving when the audit file cannot be written: no crash, a counter, and readiness says why', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'relay-audit-'));
    const auditLogPath = join(dataDir, 'audit', 'audit.jsonl');
    mkdirSync(auditLogPath, { recursive: true }); // a folder where the file should be: every write fails (EISDIR)
    const relay = await startMediumRelay({}, { dataDir, auditLogPath });
    try {
      const session = await createSession(relay.url);
      const client = await ChatClient.connect(relay.url, session.token);
      const answer = await client.ask(session.sessionId, 'hello');
      client.close();
      expect(answer.done?.finishReason).toBe('stop');

      let ready = await request(relay.url).get('/health/ready');
      for (let i = 0; i < 100 && ready.status !== 503; i++) {
        await new Promise((r) => setTimeout(r, 50));
        ready = await request(relay.url).get('/health/ready');
      }
      expect(ready.status).toBe(503);
      expect(ready.body.details['audit-log']).toMatchObject({ status: 'down' });
      expect(ready.body.details['audit-log'].failedWrites).toBeGreaterThanOrEqual(1);
    } finally {
      await relay.app.close();
    }
  });
});

describe('finding 8: exactly one interaction record per accepted message', () => {
  it('records a session deleted mid-answer once, and nothing more when the answer would have finished', async () => {
    const relay = await startMediumRelay({}, { llm: slowLlm() });
    const auditPath = join(relay.dataDir, 'audit.jsonl');
    try {
      const { session, client, messageId } = await sendAndWaitForFirstChunk(relay);
      await request(relay.url).delete(`/api/sessions/${session.sessionId}`).set('Authorization', `Bearer ${session.token}`).expect(200);
      client.close();
      await eventually(() => interactionsOf(auditPath, messageId).length > 0);
      await new Promise((r) => setTimeout(r, 2500)); // past where the answer would have ended
      expect(interactionsOf(auditPath, messageId)).toEqual([expect.objectContaining({ outcome: 'session-deleted' })]);
    } finally {
      await relay.app.close();
    }
  });

  it('records an answer cut off by a gateway shutdown once, and a restart on the same data adds nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'relay-audit-'));
    const auditPath = join(dataDir, 'audit.jsonl');
    const first = await startMediumRelay({}, { dataDir, llm: slowLlm() });
    const { client, messageId } = await sendAndWaitForFirstChunk(first);
    client.close();
    await first.app.close();
    expect(interactionsOf(auditPath, messageId)).toEqual([expect.objectContaining({ outcome: 'interrupted' })]);

    const second = await startMediumRelay({}, { dataDir });
    await new Promise((r) => setTimeout(r, 500));
    await second.app.close();
    expect(interactionsOf(auditPath, messageId)).toHaveLength(1);
  });

  it('records an ordinary answer exactly once', async () => {
    const relay = await startMediumRelay();
    const auditPath = join(relay.dataDir, 'audit.jsonl');
    try {
      const session = await createSession(relay.url);
      const client = await ChatClient.connect(relay.url, session.token);
      const answer = await client.ask(session.sessionId, 'hello');
      client.close();
      const messageId = answer.ack.ok ? answer.ack.messageId : '';
      await eventually(() => interactionsOf(auditPath, messageId).length > 0);
      await new Promise((r) => setTimeout(r, 300));
      expect(interactionsOf(auditPath, messageId)).toEqual([expect.objectContaining({ outcome: 'answered' })]);
    } finally {
      await relay.app.close();
    }
  });
});
