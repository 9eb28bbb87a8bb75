import { DynamicModule, Global, Module } from '@nestjs/common';
import { readinessOf } from '@relay/observability';
import { join } from 'node:path';
import { ExactVectorStore } from './exact/exact-vector-store';
import { VECTOR_STORE, VectorStore } from './vector-store.port';

/** Provides VECTOR_STORE: the embedded exact index persisted under DATA_DIR. */
@Global()
@Module({})
export class VectorStoreModule {
  static forRoot(options: { dataDir: string }): DynamicModule {
    return {
      module: VectorStoreModule,
      providers: [
        { provide: VECTOR_STORE, useFactory: () => new ExactVectorStore(join(options.dataDir, 'vectors', 'index.json')) },
        readinessOf<VectorStore>(VECTOR_STORE, 'vector-store', (store) => ({ ready: store.isReady(), details: { kind: store.kind } })),
      ],
      exports: [VECTOR_STORE],
    };
  }
}
