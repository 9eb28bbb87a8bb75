import { ConfigError, parseEnv } from '@relay/config';
import { vectorStoreConfigSchema } from './vector-store.config';

describe('vectorStoreConfigSchema', () => {
  it('defaults to the exact store and a local Qdrant', () => {
    expect(parseEnv(vectorStoreConfigSchema, {})).toEqual({
      VECTOR_STORE: 'exact',
      HNSW_M: 16,
      HNSW_EF_CONSTRUCTION: 200,
      HNSW_EF_SEARCH: 64,
      QDRANT_URL: 'http://localhost:6333',
      QDRANT_API_KEY: '',
      QDRANT_COLLECTION: 'relay_chunks',
      QDRANT_UPSERT_BATCH: 64,
    });
  });

  it('names each bad variable', () => {
    const err = (() => {
      try {
        parseEnv(vectorStoreConfigSchema, { VECTOR_STORE: 'faiss', QDRANT_URL: 'localhost:6333', QDRANT_COLLECTION: 'a/b', QDRANT_UPSERT_BATCH: '0' });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.problems.map((p) => p.variable).sort()).toEqual(['QDRANT_COLLECTION', 'QDRANT_UPSERT_BATCH', 'QDRANT_URL', 'VECTOR_STORE']);
  });
});
