import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { readinessOf } from '@relay/observability';
import type { LlmConfig } from './llm.config';
import { LLM, Llm, PROMPT_TOKENIZER } from './llm.port';
import { NodeLlamaCppLlm } from './node-llama-cpp/node-llama-cpp.llm';
import { NodeLlamaCppTokenizer } from './node-llama-cpp/node-llama-cpp.tokenizer';
import { OpenAiCompatibleLlm } from './openai-compatible/openai-compatible.llm';

/**
 * Provides LLM and PROMPT_TOKENIZER from the adapter LLM_PROVIDER names. In-process (node-llama-cpp) the loaded
 * model is both, so prompts are counted with exactly what generates. With a remote model (openai-compatible) the
 * prompt tokenizer reads only the vocabulary of LLM_TOKENIZER_PATH, so the pipeline never loads weights.
 */
@Global()
@Module({})
export class LlmModule {
  static forRoot(config: LlmConfig): DynamicModule {
    const adapters: Record<LlmConfig['LLM_PROVIDER'], Provider[]> = {
      'node-llama-cpp': [
        { provide: NodeLlamaCppLlm, useFactory: () => new NodeLlamaCppLlm(config) },
        { provide: LLM, useExisting: NodeLlamaCppLlm },
        { provide: PROMPT_TOKENIZER, useExisting: NodeLlamaCppLlm },
      ],
      'openai-compatible': [
        { provide: LLM, useFactory: () => new OpenAiCompatibleLlm(config) },
        { provide: PROMPT_TOKENIZER, useFactory: () => new NodeLlamaCppTokenizer(config) },
      ],
    };
    return {
      module: LlmModule,
      providers: [
        ...adapters[config.LLM_PROVIDER],
        readinessOf<Llm>(LLM, 'llm', (llm) => ({ ready: llm.isReady(), details: { model: llm.modelName } })),
      ],
      exports: [LLM, PROMPT_TOKENIZER],
    };
  }

  /**
   * PROMPT_TOKENIZER alone, for a process that builds prompts but generates none (a pipeline in distributed mode):
   * the model's vocabulary and chat template only, never its weights or a context with its sequences.
   */
  static forPromptTokenizer(config: LlmConfig): DynamicModule {
    return {
      module: LlmModule,
      providers: [
        { provide: PROMPT_TOKENIZER, useFactory: () => new NodeLlamaCppTokenizer(config) },
        readinessOf<NodeLlamaCppTokenizer>(PROMPT_TOKENIZER, 'llm', (tokenizer) => ({ ready: tokenizer.isReady(), details: { tokenizer: tokenizer.path } })),
      ],
      exports: [PROMPT_TOKENIZER],
    };
  }
}
