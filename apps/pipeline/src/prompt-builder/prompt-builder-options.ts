import type { PipelineConfig } from '../pipeline.config';
import type { PromptBuilderOptions } from './prompt-builder';

/** The prompt builder's options from the pipeline's config: shared by the stage's handler and `npm run eval:answers`. */
export function promptBuilderOptions(config: PipelineConfig): PromptBuilderOptions {
  return {
    maxSources: config.PROMPT_MAX_SOURCES,
    passage: { maxSentences: config.PROMPT_PASSAGE_SENTENCES },
    gate: config.RELEVANCE_GATE,
    relevance: { minScore: config.RELEVANCE_MIN_SCORE, minCoverage: config.RELEVANCE_MIN_COVERAGE },
  };
}
