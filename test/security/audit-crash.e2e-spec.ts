import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ChatClient, createSession } from '../support/chat-client';
import { RelayProcess } from '../support/relay-process';

// Finding 8, across a crash: a gateway killed mid-answer (kill -9: no shutdown hook runs) owed the audit trail an
// interaction record. The next process on the same data folder writes it, once.

const interactionsOf = (dataDir: string, messageId: string) => {
  const path = join(dataDir, 'audit', 'audit.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { kind: string; messageId?: string; outcome?: string; reason?: string })
    .filter((l) => l.kind === 'interaction' && l.messageId === messageId);
};

describe('finding 8: exactly one interaction record across a gateway crash (embedded app, real models)', () => {
  let relay: RelayProcess;

  afterAll(async () => {
    await relay?.stop();
  });

  it('records the answer cut off by kill -9 as interrupted when the app starts again, and only once', async () => {
    relay = await RelayProcess.start({ LLM_MAX_TOKENS: '400', SEED_KNOWLEDGE_BASE: 'false' });
    const session = await createSession(relay.baseUrl);
    const client = await ChatClient.connect(relay.baseUrl, session.token);
    const ack = await client.emitWithAck<{ ok: boolean; messageId: string }>('chat:send', {
      sessionId: session.sessionId,
      clientMessageId: 'crash-1',
      text: 'Write a long story about a lighthouse keeper, with many details.',
    });
    expect(ack.ok).toBe(true);
    await client.waitFor(() => client.chunks.some((c) => c.messageId === ack.messageId), 60_000);
    relay.kill();
    client.close();
    await new Promise((r) => setTimeout(r, 500));
    expect(interactionsOf(relay.dataDir, ack.messageId)).toEqual([]);

    await relay.restart();
    await new Promise((r) => setTimeout(r, 1000));
    expect(interactionsOf(relay.dataDir, ack.messageId)).toEqual([expect.objectContaining({ outcome: 'interrupted', reason: 'gateway-restarted' })]);

    await relay.restart(); // a clean stop and start adds nothing
    expect(interactionsOf(relay.dataDir, ack.messageId)).toHaveLength(1);
  });
});
