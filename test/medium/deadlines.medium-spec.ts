import { ScriptedLlm } from '@relay/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChatClient, createSession } from '../support/chat-client';
import { MediumRelay, startMediumRelay } from './relay-app';

// Deadlines end to end on the real gateway, pipeline, LLM worker and in-process transport, models faked: a message
// whose answer cannot begin within ANSWER_DEADLINE_MS is shed by the stage that finds it late, the client hears
// EXPIRED, the model never reads it, and the gateway audits it as expired.
const DEADLINE_MS = 400;
// One answer at a time, 40 words × 25 ms: an answer holds the model for about a second, well past the deadline.
const SLOW_ANSWER = Array.from({ length: 40 }, (_, i) => `word${i} `).join('');

function auditedOutcomes(relay: MediumRelay): Record<string, string> {
  const lines = readFileSync(join(relay.dataDir, 'audit.jsonl'), 'utf8').trim().split('\n').filter(Boolean);
  const entries = lines.map((l) => JSON.parse(l) as { kind: string; messageId: string; outcome?: string });
  return Object.fromEntries(entries.filter((e) => e.kind === 'interaction').map((e) => [e.messageId, e.outcome!]));
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('answer deadlines (ANSWER_DEADLINE_MS)', () => {
  let relay: MediumRelay;
  const clients: ChatClient[] = [];

  beforeEach(async () => {
    relay = await startMediumRelay({ ANSWER_DEADLINE_MS: String(DEADLINE_MS) }, { llm: new ScriptedLlm(SLOW_ANSWER, 25, 1) });
  });

  afterEach(async () => {
    relay.embedder.release();
    clients.splice(0).forEach((c) => c.close());
    await relay.app.close();
  });

  async function connect() {
    const session = await createSession(relay.url);
    const client = await ChatClient.connect(relay.url, session.token);
    clients.push(client);
    return { session, client };
  }

  it('sheds a message that is still in the pipeline at its deadline: EXPIRED, the model is never called, audited expired', async () => {
    const { session, client } = await connect();
    relay.embedder.hold();
    const ack = await client.send(session.sessionId, 'What is Relay?');
    if (!ack.ok) throw new Error('refused');
    await until(() => relay.embedder.calls === 1);
    await new Promise((r) => setTimeout(r, DEADLINE_MS + 100));
    relay.embedder.release();

    await client.waitFor(() => client.finished(ack.messageId), 10_000);
    expect(client.errors).toEqual([expect.objectContaining({ messageId: ack.messageId, code: 'EXPIRED' })]);
    expect(client.dones).toEqual([]);
    expect(relay.llm.prompts).toHaveLength(0);
    await until(() => auditedOutcomes(relay)[ack.messageId] !== undefined);
    expect(auditedOutcomes(relay)[ack.messageId]).toBe('expired');

    // A message sent now gets a new deadline and is answered.
    const again = await client.ask(session.sessionId, 'What is Relay?');
    expect(again.done?.text).toBe(SLOW_ANSWER);
    expect(relay.llm.prompts).toHaveLength(1);
  });

  it('takes a prompt out of the model queue when its deadline passes there, so the model reads only the one it could answer', async () => {
    const first = await connect();
    const second = await connect();
    const running = await first.client.send(first.session.sessionId, 'first');
    if (!running.ok) throw new Error('refused');
    await first.client.waitFor(() => first.client.chunks.some((c) => c.messageId === running.messageId));
    const waiting = await second.client.send(second.session.sessionId, 'second');
    if (!waiting.ok) throw new Error('refused');

    await second.client.waitFor(() => second.client.finished(waiting.messageId), 10_000);
    expect(second.client.errors).toEqual([expect.objectContaining({ messageId: waiting.messageId, code: 'EXPIRED' })]);
    // It was told it waited, and left the line before the running answer ended.
    expect(second.client.queueStatusesOf(waiting.messageId)).toEqual(['queued:1']);
    expect(first.client.finished(running.messageId)).toBe(false);

    await first.client.waitFor(() => first.client.finished(running.messageId), 10_000);
    expect(first.client.dones.find((d) => d.messageId === running.messageId)?.text).toBe(SLOW_ANSWER);
    expect(relay.llm.prompts).toHaveLength(1);
    await until(() => auditedOutcomes(relay)[running.messageId] !== undefined);
    expect(auditedOutcomes(relay)).toMatchObject({ [waiting.messageId]: 'expired', [running.messageId]: 'answered' });
  });
});
