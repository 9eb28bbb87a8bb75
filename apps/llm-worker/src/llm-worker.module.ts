import { DynamicModule, Global, Module } from '@nestjs/common';
import { GenerationModule } from './generation/generation.module';
import { LLM_WORKER_CONFIG, LlmWorkerConfig } from './llm-worker.config';

/** The LLM worker app: consumes built prompts and streams answers. Needs the LLM port from its composition root. */
@Global()
@Module({})
export class LlmWorkerModule {
  static forRoot(config: LlmWorkerConfig): DynamicModule {
    return {
      module: LlmWorkerModule,
      imports: [GenerationModule],
      providers: [{ provide: LLM_WORKER_CONFIG, useValue: config }],
      exports: [LLM_WORKER_CONFIG],
    };
  }
}
