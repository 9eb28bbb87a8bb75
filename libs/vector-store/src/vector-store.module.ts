import { DynamicModule, Global, Module } from '@nestjs/common';
import { EMBEDDER, type Embedder } from '@relay/embeddings';
import { readinessOf } from '@relay/observability';
import { join } from 'node:path';
import { ExactVectorStore } from './exact/exact-vector-store';
import { HnswVectorStore } from './hnsw/hnsw-vector-store';
import { QdrantVectorStore } from './qdrant/qdrant-vector-store';
import type { VectorStoreConfig } from './vector-store.config';
import { VECTOR_STORE, VectorStore } from './vector-store.port';

/** Provides VECTOR_STORE from the adapter VECTOR_STORE names: the embedded exact or HNSW index under DATA_DIR, or Qdrant. */
@Global()
@Module({})
export class VectorStoreModule {
  static forRoot(options: { dataDir: string; config: VectorStoreConfig }): DynamicModule {
    const { config, dataDir } = options;
    const adapters: Record<VectorStoreConfig['VECTOR_STORE'], (embedder?: Embedder) => VectorStore> = {
      exact: () => new ExactVectorStore(join(dataDir, 'vectors', 'index.json')),
      hnsw: () =>
        new HnswVectorStore(join(dataDir, 'vectors', 'hnsw'), { m: config.HNSW_M, efConstruction: config.HNSW_EF_CONSTRUCTION, efSearch: config.HNSW_EF_SEARCH }),
      qdrant: (embedder) => {
        if (!embedder) throw new Error('VECTOR_STORE=qdrant needs the embedder (EmbeddingsModule) in the same process: the collection takes its dimension');
        return new QdrantVectorStore({
          url: config.QDRANT_URL,
          apiKey: config.QDRANT_API_KEY,
          collection: config.QDRANT_COLLECTION,
          upsertBatch: config.QDRANT_UPSERT_BATCH,
          // Read when the collection is first ensured (after every module's init), when the embedder has loaded.
          dimension: () => embedder.dimension,
        });
      },
    };
    return {
      module: VectorStoreModule,
      providers: [
        { provide: VECTOR_STORE, inject: [{ token: EMBEDDER, optional: true }], useFactory: (embedder?: Embedder) => adapters[config.VECTOR_STORE](embedder) },
        readinessOf<VectorStore>(VECTOR_STORE, 'vector-store', (store) => ({ ready: store.isReady(), details: store.details?.() ?? { kind: store.kind } })),
      ],
      exports: [VECTOR_STORE],
    };
  }
}
