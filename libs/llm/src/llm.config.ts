import { enumVar, intVar, numberVar, stringVar } from '@relay/config';
import { z } from 'zod';

export const llmConfigSchema = z.object({
  LLM_PROVIDER: enumVar(['node-llama-cpp'] as const, 'node-llama-cpp'),
  LLM_MODEL_PATH: stringVar('./models/SmolLM2-135M-Instruct.Q4_1.gguf'),
  LLM_CONTEXT_SIZE: intVar(2048, 256, 131_072),
  LLM_MAX_TOKENS: intVar(512, 1, 32_768),
  LLM_THREADS: intVar(1, 1, 256),
  LLM_PARALLEL: intVar(1, 1, 64),
  LLM_TEMPERATURE: numberVar(0, 0, 2),
});
export type LlmConfig = z.infer<typeof llmConfigSchema>;
