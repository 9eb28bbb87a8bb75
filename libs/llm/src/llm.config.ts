import { enumVar, intVar, numberVar, optionalStringVar, stringVar, urlVar } from '@relay/config';
import { z } from 'zod';

/** The fields alone, for other apps' schemas to pick from (zod cannot pick from a refined object). */
export const llmConfigFields = z.object({
  LLM_PROVIDER: enumVar(['node-llama-cpp', 'openai-compatible'] as const, 'node-llama-cpp'),
  LLM_MODEL_PATH: stringVar('./models/SmolLM2-135M-Instruct.Q4_1.gguf'),
  /** With a remote model, the size of the server's context: the prompt builder keeps prompt + answer within it. */
  LLM_CONTEXT_SIZE: intVar(2048, 256, 131_072),
  LLM_MAX_TOKENS: intVar(512, 1, 32_768),
  LLM_THREADS: intVar(1, 1, 256),
  LLM_PARALLEL: intVar(1, 1, 64),
  LLM_TEMPERATURE: numberVar(0, 0, 2),
  // node-llama-cpp only: >1 discourages repeating the last 64 tokens (small models loop on one phrase without it).
  LLM_REPEAT_PENALTY: numberVar(1.15, 1, 2),
  // openai-compatible only: the server's API base, the path /chat/completions and /models are appended to.
  LLM_BASE_URL: urlVar('http://127.0.0.1:8080/v1'),
  /** Empty: the first id GET /models lists. */
  LLM_MODEL: optionalStringVar(),
  /** Empty: no Authorization header. */
  LLM_API_KEY: optionalStringVar(),
  /**
   * A GGUF whose vocabulary and chat template match the remote model; only its vocabulary is loaded, to count prompt
   * tokens. Empty: LLM_MODEL_PATH. See tokenizerPathOf.
   */
  LLM_TOKENIZER_PATH: optionalStringVar(),
  /** Longest wait for the server's response headers, and then for each next piece of the stream. */
  LLM_REQUEST_TIMEOUT_MS: intVar(120_000, 1000, 3_600_000),
});

export const llmConfigSchema = llmConfigFields.superRefine((c, ctx) => {
  // Otherwise no prompt could ever fit and every message would be refused as too long.
  if (c.LLM_MAX_TOKENS >= c.LLM_CONTEXT_SIZE) {
    ctx.addIssue({ code: 'custom', path: ['LLM_MAX_TOKENS'], message: `must be less than LLM_CONTEXT_SIZE (${c.LLM_CONTEXT_SIZE}), leaving room for the prompt` });
  }
});
export type LlmConfig = z.infer<typeof llmConfigSchema>;

/** The GGUF the prompt tokenizer reads: LLM_TOKENIZER_PATH, or the local model's file when that is empty. */
export function tokenizerPathOf(config: Pick<LlmConfig, 'LLM_TOKENIZER_PATH' | 'LLM_MODEL_PATH'>): string {
  return config.LLM_TOKENIZER_PATH || config.LLM_MODEL_PATH;
}
