import { boolVar, enumVar, intVar, numberVar, stringVar } from '@relay/config';
import { z } from 'zod';
import { RERANKERS } from './retriever/retriever';

export const PIPELINE_STAGE_NAMES = ['preprocessor', 'embedder', 'retriever', 'prompt-builder', 'ingestion'] as const;
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
    // Hybrid retrieval: both candidate lists are fused by RRF, then re-ranked (docs/configuration.md).
    RETRIEVER_VECTOR_CANDIDATES: intVar(20, 0, 500),
    RETRIEVER_KEYWORD_CANDIDATES: intVar(20, 0, 500),
    RETRIEVER_RRF_K: intVar(60, 1, 1000),
    RETRIEVER_RERANKER: enumVar(RERANKERS, 'convex'),
    RETRIEVER_MIN_SCORE: numberVar(0.2, -1, 1),
    RETRIEVER_MMR_LAMBDA: numberVar(0.7, 0, 1),
    RETRIEVER_CONVEX_ALPHA: numberVar(0.5, 0, 1),
    RETRIEVER_BM25_K1: numberVar(1.2, 0, 10),
    RETRIEVER_BM25_B: numberVar(0.75, 0, 1),
    KNOWLEDGE_BASE_DIR: stringVar('./docs'),
    SEED_KNOWLEDGE_BASE: boolVar(true),
    /** Most tokens of text per chunk, by the embedder's tokenizer; the chunk's title shares the model's window. */
    CHUNK_TOKENS: intVar(200, 16, 8192),
    /** Tokens (whole sentences) repeated from the end of a chunk at the start of the next; must be below CHUNK_TOKENS. */
    CHUNK_OVERLAP_TOKENS: intVar(40, 0, 8191),
    // Prompts made for small models and the "not in your documents" gate (docs/guide/grounded-answers.md).
    /** Most sources in a prompt, best first. */
    PROMPT_MAX_SOURCES: intVar(3, 1, 50),
    /** Most sentences of each source the model reads (those that match the question); 0 = the whole chunk. */
    PROMPT_PASSAGE_SENTENCES: intVar(3, 0, 100),
    /** true: a question nothing retrieved is relevant to gets "not in your documents" without asking the model. */
    RELEVANCE_GATE: boolVar(true),
    /** Least cosine similarity of the best retrieved chunk for the model to be asked. */
    RELEVANCE_MIN_SCORE: numberVar(0.3, -1, 1),
    /** Least share of the question's term weight found in the best passage for the model to be asked. */
    RELEVANCE_MIN_COVERAGE: numberVar(0.75, 0, 1),
  });
export type PipelineConfig = z.infer<typeof pipelineConfigSchema>;

export const PIPELINE_CONFIG = Symbol('PIPELINE_CONFIG');
