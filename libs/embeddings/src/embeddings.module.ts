import { DynamicModule, Global, Module } from '@nestjs/common';
import { readinessOf } from '@relay/observability';
import { EMBEDDER, Embedder } from './embedder.port';
import type { EmbeddingsConfig } from './embeddings.config';
import { OpenAiCompatibleEmbedder } from './openai-compatible/openai-compatible.embedder';
import { TransformersJsEmbedder } from './transformers-js/transformers-js.embedder';

/** Provides EMBEDDER from the adapter EMBEDDINGS_PROVIDER names. */
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
        { provide: EMBEDDER, useFactory: adapters[config.EMBEDDINGS_PROVIDER] },
        readinessOf<Embedder>(EMBEDDER, 'embedder', (embedder) => ({ ready: embedder.isReady(), details: { model: embedder.modelName, dimension: embedder.dimension } })),
      ],
      exports: [EMBEDDER],
    };
  }
}
