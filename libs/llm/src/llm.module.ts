import { DynamicModule, Global, Module } from '@nestjs/common';
import { readinessOf } from '@relay/observability';
import type { LlmConfig } from './llm.config';
import { LLM, Llm, PROMPT_TOKENIZER } from './llm.port';
import { NodeLlamaCppLlm } from './node-llama-cpp/node-llama-cpp.llm';

/** Provides LLM and PROMPT_TOKENIZER from the adapter LLM_PROVIDER names. */
@Global()
@Module({})
export class LlmModule {
  static forRoot(config: LlmConfig): DynamicModule {
    return {
      module: LlmModule,
      providers: [
        { provide: NodeLlamaCppLlm, useFactory: () => new NodeLlamaCppLlm(config) },
        { provide: LLM, useExisting: NodeLlamaCppLlm },
        { provide: PROMPT_TOKENIZER, useExisting: NodeLlamaCppLlm },
        readinessOf<Llm>(LLM, 'llm', (llm) => ({ ready: llm.isReady(), details: { model: llm.modelName } })),
      ],
      exports: [LLM, PROMPT_TOKENIZER],
    };
  }
}
