import { DynamicModule, Module } from '@nestjs/common';
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
 * transport (in-process by default) and the local adapters of every port, in one process.
 */
@Module({})
export class RelayModule {
  static forRoot(config: RelayConfig, transport: RelayTransport): DynamicModule {
    const dataDir = config.common.DATA_DIR;
    return {
      module: RelayModule,
      imports: [
        RelayLoggerModule.forRoot({ level: config.common.LOG_LEVEL }),
        ObservabilityModule.forRoot({ auditLogPath: join(dataDir, 'audit', 'audit.jsonl') }),
        TransportModule.forRoot(transport),
        SessionStoreModule.forRoot({ dataDir, cacheSize: config.gateway.SESSION_CACHE_SIZE }),
        VectorStoreModule.forRoot({ dataDir, config: config.vectorStore }),
        KeywordIndexModule.forRoot({ dataDir, bm25: { k1: config.pipeline.RETRIEVER_BM25_K1, b: config.pipeline.RETRIEVER_BM25_B } }),
        EmbeddingsModule.forRoot(config.embeddings),
        LlmModule.forRoot(config.llm),
        GatewayModule.forRoot(config.gateway, { dataDir }),
        PipelineModule.forRoot(config.pipeline, { dataDir }),
        LlmWorkerModule.forRoot(config.llmWorker),
      ],
    };
  }
}
