import { DynamicModule, Global, Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { ReadinessRegistry } from '@relay/observability';
import { EMBEDDER, Embedder } from './embedder.port';
import type { EmbeddingsConfig } from './embeddings.config';
import { TransformersJsEmbedder } from './transformers-js/transformers-js.embedder';

@Injectable()
class EmbedderReadiness implements OnModuleInit {
  constructor(
    @Inject(EMBEDDER) private readonly embedder: Embedder,
    private readonly readiness: ReadinessRegistry,
  ) {}
  onModuleInit(): void {
    this.readiness.register({
      name: 'embedder',
      check: () => ({ ready: this.embedder.isReady(), details: { model: this.embedder.modelName, dimension: this.embedder.dimension } }),
    });
  }
}

/** Provides EMBEDDER from the adapter EMBEDDINGS_PROVIDER names. */
@Global()
@Module({})
export class EmbeddingsModule {
  static forRoot(config: EmbeddingsConfig): DynamicModule {
    return {
      module: EmbeddingsModule,
      providers: [{ provide: EMBEDDER, useFactory: () => new TransformersJsEmbedder(config) }, EmbedderReadiness],
      exports: [EMBEDDER],
    };
  }
}
