import { DynamicModule, Module } from '@nestjs/common';
import type { CommonConfig } from '@relay/config';
import { LlmConfig, LlmModule } from '@relay/llm';
import { HealthModule, MetricsModule, ObservabilityModule, RelayLoggerModule } from '@relay/observability';
import { RelayTransport, TransportModule } from '@relay/transport';
import { join } from 'node:path';
import { LlmWorkerConfig } from './llm-worker.config';
import { LlmWorkerModule } from './llm-worker.module';

/** The LLM worker as its own process (distributed mode). */
@Module({})
export class LlmWorkerAppModule {
  static forRoot(config: { common: CommonConfig; llm: LlmConfig; llmWorker: LlmWorkerConfig }, transport: RelayTransport): DynamicModule {
    return {
      module: LlmWorkerAppModule,
      imports: [
        RelayLoggerModule.forRoot({ level: config.common.LOG_LEVEL }),
        ObservabilityModule.forRoot({ auditLogPath: join(config.common.DATA_DIR, 'audit', 'audit.jsonl') }),
        TransportModule.forRoot(transport),
        HealthModule,
        MetricsModule,
        LlmModule.forRoot(config.llm),
        LlmWorkerModule.forRoot(config.llmWorker),
      ],
    };
  }
}
