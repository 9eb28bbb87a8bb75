import { commonConfigSchema, enumVar, intVar, optionalIntVar, optionalNumberVar, optionalStringVar, urlVar } from '@relay/config';
import { join } from 'node:path';
import { z } from 'zod';
import { CatalogModel, catalogModel, catalogModelOfFile, DEFAULT_LOCAL_MODEL, GENERIC_GENERATION, GenerationSettings, LOCAL_MODEL_IDS } from './model-catalog';

/**
 * The variables as set. Empty generation settings mean "the model's own" (its catalog entry), which is why they are
 * optional here and resolved by llmConfigSchema.
 */
export const llmConfigFields = z.object({
  LLM_PROVIDER: enumVar(['node-llama-cpp', 'openai-compatible'] as const, 'node-llama-cpp'),
  /** node-llama-cpp: the local model, by its id in the catalog (scripts/models.json, docs/models.md). */
  LLM_LOCAL_MODEL: enumVar(LOCAL_MODEL_IDS, DEFAULT_LOCAL_MODEL),
  /** A GGUF of your own instead of the catalog model. Empty: the catalog model's file in MODELS_DIR. */
  LLM_MODEL_PATH: optionalStringVar(),
  MODELS_DIR: commonConfigSchema.shape.MODELS_DIR,
  /** Per sequence. With a remote model, the size of the server's context: the prompt builder keeps prompt + answer within it. */
  LLM_CONTEXT_SIZE: optionalIntVar(256, 131_072),
  LLM_MAX_TOKENS: optionalIntVar(1, 32_768),
  LLM_THREADS: intVar(1, 1, 256),
  /** Context sequences (answers generated at once in one batch). Empty: sized from the machine (parallelismFor). */
  LLM_PARALLEL: optionalIntVar(1, 256),
  /** node-llama-cpp: most tokens one decode step evaluates, all sequences together. */
  LLM_BATCH_SIZE: intVar(512, 16, 8192),
  /** node-llama-cpp: a prompt is read in pieces of this many tokens, so other answers keep streaming meanwhile. */
  LLM_PROMPT_CHUNK_TOKENS: intVar(64, 1, 8192),
  LLM_TEMPERATURE: optionalNumberVar(0, 2),
  // node-llama-cpp only: >1 discourages repeating the answer's last tokens (small models loop on one phrase without it).
  LLM_REPEAT_PENALTY: optionalNumberVar(1, 2),
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
type LlmConfigInput = z.infer<typeof llmConfigFields>;

/** The configuration after resolution: the model file and every generation setting decided. */
export type LlmConfig = Omit<LlmConfigInput, 'LLM_CONTEXT_SIZE' | 'LLM_MAX_TOKENS' | 'LLM_TEMPERATURE' | 'LLM_REPEAT_PENALTY'> & {
  /** The GGUF the local model is loaded from (and the prompt tokenizer's fallback). */
  LLM_MODEL_PATH: string;
  LLM_CONTEXT_SIZE: number;
  LLM_MAX_TOKENS: number;
  LLM_TEMPERATURE: number;
  LLM_REPEAT_PENALTY: number;
  /** The catalog entry the local model is (also when LLM_MODEL_PATH names a catalog file); undefined for other GGUFs. */
  catalogModel?: { id: string; model: CatalogModel };
  /** The answer tokens the repeat penalty looks at. */
  repeatPenaltyLastTokens: number;
};

/**
 * Which file the local model is and which settings it runs with: the catalog entry's tuned settings, each overridden
 * by its variable when set. A remote model (openai-compatible) and a GGUF outside the catalog get generic settings.
 */
export function resolveLlmConfig(input: LlmConfigInput): LlmConfig {
  const modelPath = input.LLM_MODEL_PATH || join(input.MODELS_DIR, catalogModel(input.LLM_LOCAL_MODEL).file);
  const local = input.LLM_PROVIDER === 'node-llama-cpp';
  const catalogEntry = local ? (input.LLM_MODEL_PATH ? catalogModelOfFile(modelPath) : { id: input.LLM_LOCAL_MODEL, model: catalogModel(input.LLM_LOCAL_MODEL) }) : undefined;
  const tuned: GenerationSettings = catalogEntry?.model.generation ?? GENERIC_GENERATION;
  return {
    ...input,
    LLM_MODEL_PATH: modelPath,
    LLM_CONTEXT_SIZE: input.LLM_CONTEXT_SIZE ?? tuned.contextSize,
    LLM_MAX_TOKENS: input.LLM_MAX_TOKENS ?? tuned.maxTokens,
    LLM_TEMPERATURE: input.LLM_TEMPERATURE ?? tuned.temperature,
    LLM_REPEAT_PENALTY: input.LLM_REPEAT_PENALTY ?? tuned.repeatPenalty,
    repeatPenaltyLastTokens: tuned.repeatPenaltyLastTokens,
    catalogModel: catalogEntry,
  };
}

export const llmConfigSchema = llmConfigFields.transform(resolveLlmConfig).superRefine((c, ctx) => {
  // Otherwise no prompt could ever fit and every message would be refused as too long.
  if (c.LLM_MAX_TOKENS >= c.LLM_CONTEXT_SIZE) {
    ctx.addIssue({ code: 'custom', path: ['LLM_MAX_TOKENS'], message: `must be less than LLM_CONTEXT_SIZE (${c.LLM_CONTEXT_SIZE}), leaving room for the prompt` });
  }
  const trained = c.catalogModel?.model.trainedContext;
  if (trained !== undefined && c.LLM_CONTEXT_SIZE > trained) {
    ctx.addIssue({ code: 'custom', path: ['LLM_CONTEXT_SIZE'], message: `must be at most ${trained}, the context ${c.catalogModel!.id} was trained with` });
  }
});

/** The GGUF the prompt tokenizer reads: LLM_TOKENIZER_PATH, or the local model's file when that is empty. */
export function tokenizerPathOf(config: Pick<LlmConfig, 'LLM_TOKENIZER_PATH' | 'LLM_MODEL_PATH'>): string {
  return config.LLM_TOKENIZER_PATH || config.LLM_MODEL_PATH;
}
