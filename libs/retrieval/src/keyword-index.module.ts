import { DynamicModule, Global, Module } from '@nestjs/common';
import { readinessOf } from '@relay/observability';
import { VECTOR_STORE, VectorStore } from '@relay/vector-store';
import { join } from 'node:path';
import { Bm25KeywordIndex, Bm25Parameters } from './bm25/bm25-keyword-index';
import { KEYWORD_INDEX, KeywordIndex } from './keyword-index.port';

/**
 * Provides KEYWORD_INDEX: the embedded BM25 index persisted under DATA_DIR, beside the vector index it mirrors.
 * Needs VECTOR_STORE (from VectorStoreModule) to rebuild itself when its file is missing.
 */
@Global()
@Module({})
export class KeywordIndexModule {
  static forRoot(options: { dataDir: string; bm25?: Bm25Parameters }): DynamicModule {
    return {
      module: KeywordIndexModule,
      providers: [
        {
          provide: KEYWORD_INDEX,
          useFactory: (store: VectorStore) => new Bm25KeywordIndex(join(options.dataDir, 'keyword', 'index.json'), options.bm25, store),
          inject: [VECTOR_STORE],
        },
        readinessOf<KeywordIndex>(KEYWORD_INDEX, 'keyword-index', (index) => ({ ready: index.isReady(), details: { kind: index.kind } })),
      ],
      exports: [KEYWORD_INDEX],
    };
  }
}
