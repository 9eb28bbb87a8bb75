import { Kafka, logLevel } from 'kafkajs';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { TOPICS } from '@relay/contracts';
import { ChatClient, createSession } from '../support/chat-client';
import { RelayApps, RelayProcess, startRelayApps } from '../support/relay-process';

// Distributed mode on a real Apache Kafka broker (started by the project's own script): two gateways, two
// pipelines and two LLM workers, each its own process with the real models.
const ROOT = resolve(__dirname, '../..');
const BROKERS = process.env.KAFKA_BROKERS ?? 'localhost:9092';

describe('distributed mode over Kafka', () => {
  let apps: RelayApps | undefined;
  let gateways: RelayProcess[];

  beforeAll(async () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts/kafka.mjs'), 'start'], { stdio: 'inherit' });
    await deleteRelayTopics();
    // No knowledge base: these tests are about delivery across processes; indexing it in both pipelines at start-up
    // costs minutes of CPU on a shared 2-core machine.
    const env = { TRANSPORT: 'kafka', KAFKA_BROKERS: BROKERS, KAFKA_TOPIC_PARTITIONS: '6', LLM_MAX_TOKENS: '24', SEED_KNOWLEDGE_BASE: 'false', KAFKAJS_NO_PARTITIONER_WARNING: '1' };
    apps = await startRelayApps(env, { gateways: 2, pipelines: 2, llmWorkers: 2 });
    gateways = apps.gateways;
  }, 240_000);

  afterAll(async () => {
    await Promise.all((apps?.all ?? []).map((p) => p.stop()));
  });

  it('answers clients on both gateways at once, each with its own answers only', async () => {
    const clients = await Promise.all(
      [0, 1, 0, 1].map(async (g) => {
        const session = await createSession(gateways[g].baseUrl);
        return { session, client: await ChatClient.connect(gateways[g].baseUrl, session.token) };
      }),
    );
    try {
      const answers = await Promise.all(clients.map(({ session, client }, i) => client.ask(session.sessionId, `Question ${i}: what is Relay?`, `q${i}`, 120_000)));
      answers.forEach((answer, i) => {
        expect(answer.ack.ok).toBe(true);
        expect(answer.done?.text.length).toBeGreaterThan(0);
        expect(answer.done?.text).toBe(answer.chunks.map((c) => c.delta).join(''));
        expect(answer.chunks.map((c) => c.seq)).toEqual(answer.chunks.map((_, n) => n));
        // Nothing of another session reached this client.
        const own = clients[i].session.sessionId;
        expect(clients[i].client.chunks.every((c) => c.sessionId === own)).toBe(true);
        expect(clients[i].client.dones.every((d) => d.sessionId === own)).toBe(true);
      });
      expect(answers[0].done?.timings.stages.map((s) => s.stage)).toEqual(['preprocessor', 'embedder', 'retriever', 'prompt-builder', 'llm-worker', 'gateway']);
    } finally {
      clients.forEach(({ client }) => client.close());
    }
  });

  it('reports each process ready on its own health endpoint', async () => {
    for (const p of apps!.all) {
      const body = (await (await fetch(`${p.baseUrl}/health/ready`)).json()) as { details: Record<string, { status: string; kind?: string }> };
      expect(body.details.transport).toMatchObject({ status: 'up', kind: 'kafka' });
    }
  });

  // Last: it kills a gateway.
  it('lets a client whose gateway died resume on the other one without losing or repeating text', async () => {
    const session = await createSession(gateways[0].baseUrl);
    const first = await ChatClient.connect(gateways[0].baseUrl, session.token);
    const ack = await first.emitWithAck<{ ok: boolean; messageId: string }>('chat:send', {
      sessionId: session.sessionId,
      clientMessageId: 'resume-1',
      text: 'Explain how Relay streams an answer to the browser.',
    });
    expect(ack.ok).toBe(true);
    await first.waitFor(() => first.chunks.length > 0 || first.dones.length > 0, 120_000);
    gateways[0].kill();
    const seen = [...first.chunks];
    first.close();

    const second = await ChatClient.connect(gateways[1].baseUrl, session.token);
    try {
      const fromSeq = seen.length ? seen[seen.length - 1].seq + 1 : 0;
      const resumed = await second.emitWithAck<{ ok: boolean; replayed: number; state: string }>('chat:resume', {
        sessionId: session.sessionId,
        messageId: ack.messageId,
        fromSeq,
      });
      expect(resumed).toMatchObject({ ok: true });
      expect(['streaming', 'done']).toContain(resumed.state);
      await second.waitFor(() => second.finished(ack.messageId), 120_000);
      const later = second.chunks.filter((c) => c.messageId === ack.messageId);
      // A chunk below fromSeq may still arrive live when this gateway's consumer is behind the dead one's; the
      // protocol lets a client keep one chunk per seq, so such a chunk must be the very one it already has.
      const seenBySeq = new Map(seen.map((c) => [c.seq, c.delta]));
      expect(later.filter((c) => c.seq < fromSeq).every((c) => seenBySeq.get(c.seq) === c.delta)).toBe(true);
      // One chunk per seq (a replayed chunk may overlap a live one), nothing missing, and together the final text.
      const bySeq = new Map([...seen, ...later].map((c) => [c.seq, c.delta]));
      const seqs = [...bySeq.keys()].sort((a, b) => a - b);
      expect(seqs).toEqual(seqs.map((_, i) => i));
      const done = second.dones.find((d) => d.messageId === ack.messageId)!;
      expect(seqs.map((q) => bySeq.get(q)).join('')).toBe(done.text);
    } finally {
      second.close();
    }
  });
});

async function deleteRelayTopics(): Promise<void> {
  const admin = new Kafka({ brokers: BROKERS.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const topics = Object.values(TOPICS).filter((t) => existing.has(t));
    if (topics.length) await admin.deleteTopics({ topics, timeout: 30_000 });
    for (let i = 0; i < 100 && (await admin.listTopics()).some((t) => topics.includes(t as never)); i++) await new Promise((r) => setTimeout(r, 200));
  } finally {
    await admin.disconnect();
  }
}
