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
      // A long answer; the LLM worker is also paused (SIGSTOP) while the second gateway starts, since on an idle
      // machine SmolLM2 135M finished 1,000 tokens before it was up and the resume then had nothing left to stream.
      LLM_MAX_TOKENS: '1000',
      // The pause must not end the worker's consumer session (that would hand its prompt to a new attempt).
      KAFKA_SESSION_TIMEOUT_MS: '60000',
      KAFKA_HEARTBEAT_INTERVAL_MS: '3000',
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
    const received: ChatChunkEvent[] = onFirst.chunks.filter((c) => c.messageId === messageId);
    expect(received.length).toBeGreaterThanOrEqual(3);
    // The page had shown only the first chunk when the connection dropped: the chunks after it must come back from
    // the log (the worker is paused below, so nothing newer arrives live before the resume is answered).
    const seen = received.slice(0, 1);
    expect(onFirst.finished(messageId)).toBe(false);
    const fromSeq = seen[seen.length - 1].seq + 1;
    const [worker] = apps.llmWorkers;
    process.kill(worker.pid!, 'SIGSTOP'); // the answer stays unfinished until the resume has been answered
    let paused = true;
    const unpause = () => {
      if (paused) process.kill(worker.pid!, 'SIGCONT');
      paused = false;
    };

    // A gateway started only now, while the answer is being written (sharing the first one's data folder, as
    // replicas share a store): it sees the answer's later records live, but not its start.
    let onLate: ChatClient | undefined;
    try {
      late = await RelayProcess.start(env, first.dataDir, 'apps/gateway/src/main.js');
      first.kill(); // SIGKILL: the gateway that saw the answer begin is gone, with its memory
      const client = await ChatClient.connect(late.baseUrl, session.token);
      onLate = client;
      const askedAt = performance.now();
      const before = client.chunks.length;
      const resumed = await client.emitWithAck<{ ok: boolean; replayed: number; state: string; error?: { code: string } }>('chat:resume', {
        sessionId: session.sessionId,
        messageId,
        fromSeq,
      });
      const resumeMs = performance.now() - askedAt;
      unpause();
      expect(resumed).toMatchObject({ ok: true, state: 'streaming' });
      expect(resumed.replayed).toBeGreaterThanOrEqual(received.length - 1);
      // Printed for docs/benchmarks.md: how long a resume that reads the log takes, on a real broker.
      process.stdout.write(`resume from the log: ack in ${resumeMs.toFixed(0)} ms, state ${resumed.state}, replayed ${resumed.replayed}, fromSeq ${fromSeq}\n`);
      await client.waitFor(() => client.finished(messageId), 180_000);
      expect(client.errors.filter((e) => e.messageId === messageId)).toEqual([]);
      const done = client.dones.find((d) => d.messageId === messageId)!;
      // Chunks that reached the late socket before the resume was sent may be sent again (the protocol keeps one
      // per seq); from the resume on, every seq from fromSeq comes exactly once.
      const later = client.chunks.slice(before).filter((c) => c.messageId === messageId);
      const laterSeqs = later.map((c) => c.seq);
      expect(new Set(laterSeqs).size).toBe(laterSeqs.length);
      expect(laterSeqs.every((s) => s >= fromSeq)).toBe(true);
      const bySeq = new Map([...seen, ...client.chunks.filter((c) => c.messageId === messageId)].map((c) => [c.seq, c.delta]));
      const seqs = [...bySeq.keys()].sort((a, b) => a - b);
      expect(seqs).toEqual(seqs.map((_, i) => i));
      expect([...laterSeqs].sort((a, b) => a - b)).toEqual(seqs.filter((s) => s >= fromSeq));
      expect(seqs.map((s) => bySeq.get(s)).join('')).toBe(done.text);
      expect(done.text.length).toBeGreaterThan(seen.map((c) => c.delta).join('').length);
      // Nothing of the answer is missing at the start: what the first gateway showed is its beginning.
      expect(done.text.startsWith(seen.map((c) => c.delta).join(''))).toBe(true);
    } finally {
      unpause();
      onLate?.close();
    }
  }, 420_000);
});
