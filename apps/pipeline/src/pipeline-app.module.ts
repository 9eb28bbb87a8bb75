import { DynamicModule, Module } from '@nestjs/common';
import type { CommonConfig } from '@relay/config';
import { EmbeddingsConfig, EmbeddingsModule } from '@relay/embeddings';
import { LlmConfig, LlmModule } from '@relay/llm';
import { HealthModule, MetricsModule, ObservabilityModule, RelayLoggerModule } from '@relay/observability';
import { KeywordIndexModule } from '@relay/retrieval';
import { RelayTransport, TransportModule } from '@relay/transport';
import { VectorStoreConfig, VectorStoreModule } from '@relay/vector-store';
import { join } from 'node:path';
import type { PipelineConfig } from './pipeline.config';
import { PipelineModule } from './pipeline.module';

/** The pipeline as its own process (distributed mode): the stages PIPELINE_STAGES names and only the ports they use. */
@Module({})
export class PipelineAppModule {
  static forRoot(config: { common: CommonConfig; pipeline: PipelineConfig; embeddings: EmbeddingsConfig; llm: LlmConfig; vectorStore: VectorStoreConfig }, transport: RelayTransport): DynamicModule {
    const dataDir = config.common.DATA_DIR;
    const stages = config.pipeline.PIPELINE_STAGES;
    return {
      module: PipelineAppModule,
      imports: [
        RelayLoggerModule.forRoot({ level: config.common.LOG_LEVEL }),
        ObservabilityModule.forRoot({ auditLogPath: join(dataDir, 'audit', 'audit.jsonl') }),
        TransportModule.forRoot(transport),
        HealthModule,
        MetricsModule,
        ...(stages.includes('embedder') || stages.includes('retriever') || stages.includes('ingestion') ? [EmbeddingsModule.forRoot(config.embeddings)] : []),
        ...(stages.includes('retriever') || stages.includes('ingestion')
          ? [
              VectorStoreModule.forRoot({ dataDir, config: config.vectorStore }),
              KeywordIndexModule.forRoot({ dataDir, bm25: { k1: config.pipeline.RETRIEVER_BM25_K1, b: config.pipeline.RETRIEVER_BM25_B } }),
            ]
          : []),
        // The prompt builder needs the model's vocabulary and template, not the model: the LLM workers generate.
        ...(stages.includes('prompt-builder') ? [LlmModule.forPromptTokenizer(config.llm)] : []),
        PipelineModule.forRoot(config.pipeline, { dataDir }),
      ],
    };
  }
}
