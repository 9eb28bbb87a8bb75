import { DynamicModule, Module } from '@nestjs/common';
import { DatabaseModule } from '@relay/database';
import { EmbeddingsModule } from '@relay/embeddings';
import { LlmModule } from '@relay/llm';
import { ObservabilityModule, RelayLoggerModule } from '@relay/observability';
import { SessionStoreModule } from '@relay/session-store';
import { KeywordIndexModule } from '@relay/retrieval';
import { RelayTransport, TransportModule } from '@relay/transport';
import { VectorStoreModule } from '@relay/vector-store';
import { join } from 'node:path';
import { GatewayModule } from '../../gateway/src/gateway.module';
import { LlmWorkerModule } from '../../llm-worker/src/llm-worker.module';
import { PipelineModule } from '../../pipeline/src/pipeline.module';
import type { RelayConfig } from './relay.config';

/**
 * The embedded default's composition root, the only place that knows all three apps: it gives them the
 * transport (in-process by default) and the local adapters of every port, in one process (the sessions and the
 * document list in PostgreSQL instead with STORE=postgres).
 */
@Module({})
export class RelayModule {
  static forRoot(config: RelayConfig, transport: RelayTransport): DynamicModule {
    const dataDir = config.common.DATA_DIR;
    const store = config.database.STORE;
    return {
      module: RelayModule,
      imports: [
        RelayLoggerModule.forRoot({ level: config.common.LOG_LEVEL }),
        ObservabilityModule.forRoot({ auditLogPath: join(dataDir, 'audit', 'audit.jsonl') }),
        TransportModule.forRoot(transport),
        DatabaseModule.forRoot(config.database, { applicationName: 'relay' }),
        SessionStoreModule.forRoot({ dataDir, store, cacheSize: config.gateway.SESSION_CACHE_SIZE }),
        VectorStoreModule.forRoot({ dataDir, config: config.vectorStore }),
        KeywordIndexModule.forRoot({ dataDir, bm25: { k1: config.pipeline.RETRIEVER_BM25_K1, b: config.pipeline.RETRIEVER_BM25_B } }),
        EmbeddingsModule.forRoot(config.embeddings),
        LlmModule.forRoot(config.llm),
        GatewayModule.forRoot(config.gateway, { dataDir, store }),
        PipelineModule.forRoot(config.pipeline, { dataDir }),
        LlmWorkerModule.forRoot(config.llmWorker),
      ],
    };
  }
}
