import { boolVar, enumVar, intVar, numberVar, stringVar } from '@relay/config';
import { llmConfigFields } from '@relay/llm';
import { z } from 'zod';

export const PIPELINE_STAGE_NAMES = ['preprocessor', 'embedder', 'retriever', 'prompt-builder'] as const;
export type PipelineStageName = (typeof PIPELINE_STAGE_NAMES)[number];

export const pipelineConfigSchema = z
  .object({
    /** Which stages this process runs, so the expensive one can be scaled on its own. */
    PIPELINE_STAGES: z
      .string()
      .default(PIPELINE_STAGE_NAMES.join(','))
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
      .pipe(z.array(z.enum(PIPELINE_STAGE_NAMES, { message: `each must be one of ${PIPELINE_STAGE_NAMES.join(', ')}` })).min(1, { message: 'must name at least one stage' })),
    PROFANITY_POLICY: enumVar(['mask', 'reject'] as const, 'mask'),
    RETRIEVER_TOP_K: intVar(4, 0, 50),
    RETRIEVER_CANDIDATES: intVar(16, 1, 500),
    RETRIEVER_MIN_SCORE: numberVar(0.2, -1, 1),
    RETRIEVER_MMR_LAMBDA: numberVar(0.7, 0, 1),
    KNOWLEDGE_BASE_DIR: stringVar('./docs'),
    SEED_KNOWLEDGE_BASE: boolVar(true),
  })
  // The prompt builder keeps room for the answer the LLM worker will generate.
  .extend(llmConfigFields.pick({ LLM_MAX_TOKENS: true }).shape);
export type PipelineConfig = z.infer<typeof pipelineConfigSchema>;

export const PIPELINE_CONFIG = Symbol('PIPELINE_CONFIG');
