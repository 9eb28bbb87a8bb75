import { DynamicModule, Global, Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { ReadinessRegistry } from '@relay/observability';
import type { LlmConfig } from './llm.config';
import { LLM, Llm, PROMPT_TOKENIZER } from './llm.port';
import { NodeLlamaCppLlm } from './node-llama-cpp/node-llama-cpp.llm';

@Injectable()
class LlmReadiness implements OnModuleInit {
  constructor(
    @Inject(LLM) private readonly llm: Llm,
    private readonly readiness: ReadinessRegistry,
  ) {}
  onModuleInit(): void {
    this.readiness.register({ name: 'llm', check: () => ({ ready: this.llm.isReady(), details: { model: this.llm.modelName } }) });
  }
}

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
        LlmReadiness,
      ],
      exports: [LLM, PROMPT_TOKENIZER],
    };
  }
}
