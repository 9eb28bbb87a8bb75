import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatClient, createSession } from '../support/chat-client';
import { killKafkaNode, startKafka, stopKafka } from '../support/kafka-cluster';
import { RelayProcess } from '../support/relay-process';

// A three-node KRaft cluster (scripts/kafka.mjs start --nodes 3) with every topic replicated three times: losing
// one node mid-run loses no chat.
describe('distributed mode on a 3-node cluster', () => {
  let brokers: string;
  const processes: RelayProcess[] = [];
  let gateway: RelayProcess;

  beforeAll(async () => {
    stopKafka({ clean: true }); // whatever ran before (a single node) goes: this suite needs its own cluster
    brokers = startKafka(3);
    const env = {
      TRANSPORT: 'kafka',
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PARTITIONS: '6',
      KAFKA_REPLICATION_FACTOR: '3',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      KAFKA_HEARTBEAT_INTERVAL_MS: '500',
      RETRIEVER_MIN_SCORE: '0.99',
      LLM_MAX_TOKENS: '8',
      LLM_PARALLEL: '4',
      // No source clears the bar above: the knowledge base would only slow the pipeline's start.
      SEED_KNOWLEDGE_BASE: 'false',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
    };
    gateway = await RelayProcess.start(env, mkdtempSync(join(tmpdir(), 'relay-gw-')), 'apps/gateway/src/main.js');
    processes.push(gateway);
    processes.push(...(await Promise.all([RelayProcess.start(env, undefined, 'apps/pipeline/src/main.js'), RelayProcess.start(env, undefined, 'apps/llm-worker/src/main.js')])));
  }, 300_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    stopKafka({ clean: true });
  }, 90_000);

  it('loses no chat when one of the three nodes dies mid-run', async () => {
    const chats = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const session = await createSession(gateway.baseUrl);
        return { session, client: await ChatClient.connect(gateway.baseUrl, session.token) };
      }),
    );
    try {
      const first = chats.slice(0, 15).map((c, i) => c.client.ask(c.session.sessionId, `Before ${i}: what is Relay?`, `b${i}`, 180_000));
      await waitUntil(() => chats.filter((c) => c.client.dones.length > 0).length >= 3, 120_000);
      killKafkaNode(2);
      // Sent with one node down: accepted and answered all the same.
      const later = chats.slice(15).map((c, i) => c.client.ask(c.session.sessionId, `After ${i}: what is a session?`, `a${i}`, 180_000));
      const answers = await Promise.all([...first, ...later]);
      for (const answer of answers) {
        expect(answer.ack.ok).toBe(true);
        expect(answer.error).toBeUndefined();
        expect(answer.done?.text.length).toBeGreaterThan(0);
      }
    } finally {
      chats.forEach((c) => c.client.close());
    }
  }, 420_000);
});

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
