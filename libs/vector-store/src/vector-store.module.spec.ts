import type { FactoryProvider, Provider } from '@nestjs/common';
import { parseEnv } from '@relay/config';
import { ControllableEmbedder } from '@relay/testing';
import { ExactVectorStore } from './exact/exact-vector-store';
import { HnswVectorStore } from './hnsw/hnsw-vector-store';
import { QdrantVectorStore } from './qdrant/qdrant-vector-store';
import { vectorStoreConfigSchema } from './vector-store.config';
import { VectorStoreModule } from './vector-store.module';
import { VECTOR_STORE } from './vector-store.port';

const storeOf = (env: Record<string, string>, embedder?: ControllableEmbedder) => {
  const providers: Provider[] = VectorStoreModule.forRoot({ dataDir: '/tmp/relay-unused', config: parseEnv(vectorStoreConfigSchema, env) }).providers!;
  const provider = providers.find((p) => typeof p === 'object' && 'provide' in p && p.provide === VECTOR_STORE) as FactoryProvider;
  return provider.useFactory(embedder);
};

describe('VectorStoreModule.forRoot', () => {
  it('chooses the adapter VECTOR_STORE names, exact by default', () => {
    expect(storeOf({})).toBeInstanceOf(ExactVectorStore);
    expect(storeOf({ VECTOR_STORE: 'hnsw' })).toBeInstanceOf(HnswVectorStore);
    const qdrant = storeOf({ VECTOR_STORE: 'qdrant', QDRANT_URL: 'http://qdrant:6333', QDRANT_COLLECTION: 'kb' }, new ControllableEmbedder(8));
    expect(qdrant).toBeInstanceOf(QdrantVectorStore);
    expect(qdrant.details()).toEqual({ kind: 'qdrant', url: 'http://qdrant:6333', collection: 'kb' });
  });

  it('says Qdrant needs the embedder when there is none to take the dimension from', () => {
    expect(() => storeOf({ VECTOR_STORE: 'qdrant' })).toThrow('VECTOR_STORE=qdrant needs the embedder');
  });
});
