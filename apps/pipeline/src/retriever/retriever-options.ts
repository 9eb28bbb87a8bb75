import type { PipelineConfig } from '../pipeline.config';
import type { RetrieverOptions } from './retriever';

/** The retriever's options from the pipeline's config: shared by the stage's handler and `npm run eval:retrieval`. */
export function retrieverOptions(config: PipelineConfig): RetrieverOptions {
  return {
    topK: config.RETRIEVER_TOP_K,
    vectorCandidates: config.RETRIEVER_VECTOR_CANDIDATES,
    keywordCandidates: config.RETRIEVER_KEYWORD_CANDIDATES,
    rrfK: config.RETRIEVER_RRF_K,
    reranker: config.RETRIEVER_RERANKER,
    minScore: config.RETRIEVER_MIN_SCORE,
    mmrLambda: config.RETRIEVER_MMR_LAMBDA,
    convexAlpha: config.RETRIEVER_CONVEX_ALPHA,
  };
}
