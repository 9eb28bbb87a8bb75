import { DynamicModule, Global, Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { ReadinessRegistry } from '@relay/observability';
import { join } from 'node:path';
import { ExactVectorStore } from './exact/exact-vector-store';
import { VECTOR_STORE, VectorStore } from './vector-store.port';

@Injectable()
class VectorStoreReadiness implements OnModuleInit {
  constructor(
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    private readonly readiness: ReadinessRegistry,
  ) {}
  onModuleInit(): void {
    this.readiness.register({ name: 'vector-store', check: () => ({ ready: this.store.isReady(), details: { kind: this.store.kind } }) });
  }
}

/** Provides VECTOR_STORE: the embedded exact index persisted under DATA_DIR. */
@Global()
@Module({})
export class VectorStoreModule {
  static forRoot(options: { dataDir: string }): DynamicModule {
    return {
      module: VectorStoreModule,
      providers: [
        { provide: VECTOR_STORE, useFactory: () => new ExactVectorStore(join(options.dataDir, 'vectors', 'index.json')) },
        VectorStoreReadiness,
      ],
      exports: [VECTOR_STORE],
    };
  }
}
