import { SAME_ORIGIN_HEADER } from '@relay/contracts';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { ChatClient, createSession } from '../support/chat-client';
import { deleteRelayTopics, startKafka } from '../support/kafka-cluster';
import { RelayApps, RelayProcess, startRelayApps } from '../support/relay-process';

// Writes carry the header Relay's page sends (finding 2 of issue 11: no cross-site writes).
const SAME_ORIGIN = { [SAME_ORIGIN_HEADER]: '1' };

// Documents in distributed mode: uploads go over Kafka (docs.ingest), one pipeline replica indexes each into the
// shared Qdrant, and every replica's retriever finds it, by vector and by keyword (its BM25 index follows
// docs.indexed). Real Kafka (scripts/kafka.mjs), real Qdrant (scripts/qdrant.mjs), real models.
const ROOT = resolve(__dirname, '../..');
const QDRANT_PORT = '6353';
const QDRANT_ENV = { ...process.env, QDRANT_PORT, QDRANT_CACHE_DIR: '.cache/qdrant-distributed' };
const qdrant = (...args: string[]) => execFileSync(process.execPath, [join(ROOT, 'scripts/qdrant.mjs'), ...args], { stdio: ['ignore', 'ignore', 'inherit'], env: QDRANT_ENV });

const FACT = '# Brellingham ferry\n\nThe Brellingham ferry crosses Lake Osterwane every 47 minutes, piloted by captain Ilse Varrow.\n';
const QUESTION = 'How often does the Brellingham ferry cross?';

interface DocumentBody {
  documentId: string;
  status: string;
  chunks: number;
}

describe('documents in distributed mode (Kafka + Qdrant)', () => {
  let apps: RelayApps | undefined;
  let gateways: RelayProcess[];

  beforeAll(async () => {
    const brokers = startKafka();
    await deleteRelayTopics(brokers);
    qdrant('stop', '--clean'); // a fresh collection
    qdrant('start');
    const env = {
      TRANSPORT: 'kafka',
      KAFKA_BROKERS: brokers,
      // Only the uploaded document is asked about: no sample knowledge base to index in each pipeline at start-up.
      SEED_KNOWLEDGE_BASE: 'false',
      KAFKA_TOPIC_PARTITIONS: '6',
      LLM_MAX_TOKENS: '16',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      VECTOR_STORE: 'qdrant',
      QDRANT_URL: `http://127.0.0.1:${QDRANT_PORT}`,
    };
    // Each pipeline replica has its own DATA_DIR (its own BM25 index); the vectors are in the shared Qdrant.
    apps = await startRelayApps(env, { gateways: 2, pipelines: 2, llmWorkers: 1 });
    gateways = apps.gateways;
  }, 300_000);

  afterAll(async () => {
    await Promise.all((apps?.all ?? []).map((p) => p.stop()));
    qdrant('stop', '--clean');
  });

  async function citationsFor(baseUrl: string, text: string) {
    const session = await createSession(baseUrl);
    const client = await ChatClient.connect(baseUrl, session.token);
    try {
      return (await client.ask(session.sessionId, text, undefined, 120_000)).done!.citations;
    } finally {
      client.close();
    }
  }

  it('indexes an upload once, and every retriever replica cites it; a delete removes it everywhere', async () => {
    const form = new FormData();
    form.append('file', new Blob([FACT]), 'brellingham.md');
    const res = await fetch(`${gateways[0].baseUrl}/api/documents`, { method: 'POST', body: form, headers: SAME_ORIGIN });
    expect(res.status).toBe(201);
    const { document } = (await res.json()) as { document: DocumentBody };
    expect(document).toMatchObject({ status: 'indexed', chunks: 1 });

    // Eight sessions spread over the partitions, so both pipeline replicas retrieve for some of them.
    const asked = await Promise.all([0, 1, 0, 1, 0, 1, 0, 1].map((g) => citationsFor(gateways[g].baseUrl, QUESTION)));
    for (const citations of asked) expect(citations[0]).toMatchObject({ documentId: document.documentId, title: 'Brellingham ferry' });

    const removed = await fetch(`${gateways[1].baseUrl}/api/documents/${document.documentId}`, { method: 'DELETE', headers: SAME_ORIGIN });
    expect(removed.status).toBe(200);
    const after = await Promise.all([0, 1, 0, 1].map((g) => citationsFor(gateways[g].baseUrl, QUESTION)));
    for (const citations of after) expect(citations.map((c) => c.documentId)).not.toContain(document.documentId);
  });
});
