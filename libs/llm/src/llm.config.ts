import { enumVar, intVar, numberVar, stringVar } from '@relay/config';
import { z } from 'zod';

/** The fields alone, for other apps' schemas to pick from (zod cannot pick from a refined object). */
export const llmConfigFields = z.object({
  LLM_PROVIDER: enumVar(['node-llama-cpp'] as const, 'node-llama-cpp'),
  LLM_MODEL_PATH: stringVar('./models/SmolLM2-135M-Instruct.Q4_1.gguf'),
  LLM_CONTEXT_SIZE: intVar(2048, 256, 131_072),
  LLM_MAX_TOKENS: intVar(512, 1, 32_768),
  LLM_THREADS: intVar(1, 1, 256),
  LLM_PARALLEL: intVar(1, 1, 64),
  LLM_TEMPERATURE: numberVar(0, 0, 2),
});

export const llmConfigSchema = llmConfigFields.superRefine((c, ctx) => {
  // Otherwise no prompt could ever fit and every message would be refused as too long.
  if (c.LLM_MAX_TOKENS >= c.LLM_CONTEXT_SIZE) {
    ctx.addIssue({ code: 'custom', path: ['LLM_MAX_TOKENS'], message: `must be less than LLM_CONTEXT_SIZE (${c.LLM_CONTEXT_SIZE}), leaving room for the prompt` });
  }
});
export type LlmConfig = z.infer<typeof llmConfigSchema>;
