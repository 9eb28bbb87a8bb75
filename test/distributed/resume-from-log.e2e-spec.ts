import type { ChatChunkEvent } from '@relay/contracts';
import { ChatClient, createSession } from '../support/chat-client';
import { deleteRelayTopics, startKafka } from '../support/kafka-cluster';
import { RelayApps, RelayProcess, startRelayApps } from '../support/relay-process';

// chat:resume on a gateway that was not running when the answer began: it cannot have the answer's start in memory,
// so it reads it back from chat.responses (Kafka) and then goes on live. Real broker, real processes, real model.
describe('distributed mode: resuming an answer on a gateway started after it began', () => {
  let brokers: string;
  let apps: RelayApps | undefined;
  let late: RelayProcess | undefined;

  beforeAll(async () => {
    brokers = startKafka(1);
    await deleteRelayTopics(brokers);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...(apps?.all ?? []), ...(late ? [late] : [])].map((p) => p.stop()));
  }, 60_000);

  it('replays what the client missed from the log, then the rest live: no seq missing or repeated, and done', async () => {
    const env = {
      TRANSPORT: 'kafka',
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PARTITIONS: '6',
      SEED_KNOWLEDGE_BASE: 'false',
      // Long enough that the answer is still being written when the second gateway is up (SmolLM2 135M on a loaded
      // 2-core machine writes 400 tokens in ~15 s; a gateway starts in ~5-10 s).
      LLM_MAX_TOKENS: '1000',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
    };
    apps = await startRelayApps(env, { gateways: 1, pipelines: 1, llmWorkers: 1 });
    const [first] = apps.gateways;
    const session = await createSession(first.baseUrl);
    const onFirst = await ChatClient.connect(first.baseUrl, session.token);
    const ack = await onFirst.send(session.sessionId, 'Write a long, detailed story about a lighthouse keeper and the sea, in many paragraphs.');
    if (!ack.ok) throw new Error(`send refused: ${ack.error.code}`);
    const { messageId } = ack;
    await onFirst.waitFor(() => onFirst.chunks.length >= 3 || onFirst.finished(messageId), 120_000);
    // The client's connection drops here: it has seen the answer's first chunks only.
    onFirst.close();
    const seen: ChatChunkEvent[] = onFirst.chunks.filter((c) => c.messageId === messageId);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(onFirst.finished(messageId)).toBe(false);
    const fromSeq = seen[seen.length - 1].seq + 1;

    // A gateway started only now, while the answer is being written (sharing the first one's data folder, as
    // replicas share a store): it sees the answer's later records live, but not its start.
    late = await RelayProcess.start(env, first.dataDir, 'apps/gateway/src/main.js');
    first.kill(); // SIGKILL: the gateway that saw the answer begin is gone, with its memory
    const onLate = await ChatClient.connect(late.baseUrl, session.token);
    try {
      const askedAt = performance.now();
      const before = onLate.chunks.length;
      const resumed = await onLate.emitWithAck<{ ok: boolean; replayed: number; state: string; error?: { code: string } }>('chat:resume', {
        sessionId: session.sessionId,
        messageId,
        fromSeq,
      });
      const resumeMs = performance.now() - askedAt;
      expect(resumed).toMatchObject({ ok: true });
      expect(['streaming', 'done']).toContain(resumed.state);
      // Printed for docs/benchmarks.md: how long a resume that reads the log takes, on a real broker.
      process.stdout.write(`resume from the log: ack in ${resumeMs.toFixed(0)} ms, state ${resumed.state}, replayed ${resumed.replayed}, fromSeq ${fromSeq}\n`);
      await onLate.waitFor(() => onLate.finished(messageId), 180_000);
      expect(onLate.errors.filter((e) => e.messageId === messageId)).toEqual([]);
      const done = onLate.dones.find((d) => d.messageId === messageId)!;
      // Chunks that reached the late socket before the resume was sent may be sent again (the protocol keeps one
      // per seq); from the resume on, every seq from fromSeq comes exactly once.
      const later = onLate.chunks.slice(before).filter((c) => c.messageId === messageId);
      const laterSeqs = later.map((c) => c.seq);
      expect(new Set(laterSeqs).size).toBe(laterSeqs.length);
      expect(laterSeqs.every((s) => s >= fromSeq)).toBe(true);
      const bySeq = new Map([...seen, ...onLate.chunks.filter((c) => c.messageId === messageId)].map((c) => [c.seq, c.delta]));
      const seqs = [...bySeq.keys()].sort((a, b) => a - b);
      expect(seqs).toEqual(seqs.map((_, i) => i));
      expect([...laterSeqs].sort((a, b) => a - b)).toEqual(seqs.filter((s) => s >= fromSeq));
      expect(seqs.map((s) => bySeq.get(s)).join('')).toBe(done.text);
      expect(done.text.length).toBeGreaterThan(seen.map((c) => c.delta).join('').length);
      // Nothing of the answer is missing at the start: what the first gateway showed is its beginning.
      expect(done.text.startsWith(seen.map((c) => c.delta).join(''))).toBe(true);
    } finally {
      onLate.close();
    }
  }, 420_000);
});
