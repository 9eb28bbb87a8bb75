import { DynamicModule, Global, Module } from '@nestjs/common';
import { readinessOf, RelayMetrics } from '@relay/observability';
import { EMBEDDER, Embedder } from './embedder.port';
import { EMBEDDING_TOKENIZER, EmbeddingTokenizer } from './embedding-tokenizer.port';
import { EstimatingTokenizer } from './estimate/estimating.tokenizer';
import type { EmbeddingsConfig } from './embeddings.config';
import { MicroBatchingEmbedder } from './micro-batching/micro-batching-embedder';
import { OpenAiCompatibleEmbedder } from './openai-compatible/openai-compatible.embedder';
import { TransformersJsEmbedder } from './transformers-js/transformers-js.embedder';
import { TransformersJsTokenizer } from './transformers-js/transformers-js.tokenizer';

/** Provides EMBEDDER: the adapter EMBEDDINGS_PROVIDER names, behind micro-batching shared by all its callers. */
@Global()
@Module({})
export class EmbeddingsModule {
  static forRoot(config: EmbeddingsConfig): DynamicModule {
    const adapters: Record<EmbeddingsConfig['EMBEDDINGS_PROVIDER'], () => Embedder> = {
      'transformers-js': () => new TransformersJsEmbedder(config),
      'openai-compatible': () => new OpenAiCompatibleEmbedder(config),
    };
    return {
      module: EmbeddingsModule,
      providers: [
        {
          provide: EMBEDDER,
          // The process's metrics (from the transport) when there is one; a module test may have none.
          inject: [{ token: RelayMetrics, optional: true }],
          useFactory: (metrics?: RelayMetrics) =>
            new MicroBatchingEmbedder(adapters[config.EMBEDDINGS_PROVIDER](), {
              maxBatch: config.EMBEDDINGS_MAX_BATCH,
              maxWaitMs: config.EMBEDDINGS_MAX_WAIT_MS,
              onBatch: metrics && ((size, seconds) => {
                metrics.embedderBatchSize.observe({}, size);
                metrics.embedderBatchSeconds.observe({}, seconds);
              }),
            }),
        },
        // The chunker counts tokens as the embedder does; a remote model's tokenizer is estimated from above.
        {
          provide: EMBEDDING_TOKENIZER,
          useFactory: (): EmbeddingTokenizer =>
            config.EMBEDDINGS_PROVIDER === 'transformers-js' ? new TransformersJsTokenizer(config) : new EstimatingTokenizer(),
        },
        readinessOf<Embedder>(EMBEDDER, 'embedder', (embedder) => ({ ready: embedder.isReady(), details: { model: embedder.modelName, dimension: embedder.dimension } })),
      ],
      exports: [EMBEDDER, EMBEDDING_TOKENIZER],
    };
  }
}
