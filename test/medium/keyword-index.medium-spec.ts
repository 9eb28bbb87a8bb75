import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseEnv } from '@relay/config';
import { ObservabilityModule, ReadinessRegistry, RelayLoggerModule } from '@relay/observability';
import { KEYWORD_INDEX, KeywordIndex, KeywordIndexModule } from '@relay/retrieval';
import { ExactVectorStore, VECTOR_STORE, VectorStore, VectorStoreModule, vectorStoreConfigSchema } from '@relay/vector-store';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const chunk = (id: string, text: string) => ({ chunkId: `c-${id}`, documentId: `d-${id}`, collectionId: 'default', title: `Doc ${id}`, source: `${id}.md`, position: 0, text });
const vector = (...v: number[]) => Float32Array.from(v);

// KeywordIndexModule beside the real embedded vector store, started by Nest as the composition roots do.
describe('KeywordIndexModule', () => {
  let dataDir: string;

  const start = async () => {
    @Module({
      imports: [
        RelayLoggerModule.forRoot({ level: 'silent' }),
        ObservabilityModule.forRoot({ auditLogPath: join(dataDir, 'audit.jsonl') }),
        VectorStoreModule.forRoot({ dataDir, config: parseEnv(vectorStoreConfigSchema, { VECTOR_STORE: 'exact' }) }),
        KeywordIndexModule.forRoot({ dataDir }),
      ],
    })
    class App {}
    const app = await NestFactory.createApplicationContext(App, { logger: false });
    await app.init();
    return app;
  };

  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'relay-keyword-medium-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('rebuilds a missing keyword index from the vector store at start, then reloads its own file', async () => {
    const vectors = new ExactVectorStore(join(dataDir, 'vectors', 'index.json'));
    await vectors.onModuleInit();
    await vectors.upsert([
      { chunk: chunk('kafka', 'Kafka partitions are replicated across brokers'), vector: vector(1, 0) },
      { chunk: chunk('socket', 'The gateway speaks Socket.IO to browsers'), vector: vector(0, 1) },
    ]);

    const first = await start();
    try {
      const index = first.get<KeywordIndex>(KEYWORD_INDEX);
      expect(await index.count()).toBe(2);
      expect((await index.search('replicated partition', 5)).map((h) => h.chunk.chunkId)).toEqual(['c-kafka']);
      expect(first.get(ReadinessRegistry).report()).toContainEqual({ name: 'keyword-index', ready: true, details: { kind: 'bm25' } });
      expect(existsSync(join(dataDir, 'keyword', 'index.json'))).toBe(true);
      await index.upsert([chunk('only-keyword', 'browsers and brokers')]);
    } finally {
      await first.close();
    }

    const second = await start();
    try {
      // Loaded from its file: the chunk only the keyword index holds is still there.
      expect(await second.get<KeywordIndex>(KEYWORD_INDEX).count()).toBe(3);
      expect(await second.get<VectorStore>(VECTOR_STORE).count()).toBe(2);
    } finally {
      await second.close();
    }
  });
});
