import { enumVar, intVar, optionalStringVar, stringVar, urlVar } from '@relay/config';
import { z } from 'zod';

export const vectorStoreConfigSchema = z.object({
  /** exact: brute force under DATA_DIR; hnsw: approximate graph under DATA_DIR; qdrant: a Qdrant server. */
  VECTOR_STORE: enumVar(['exact', 'hnsw', 'qdrant'] as const, 'exact'),
  HNSW_M: intVar(16, 2, 100),
  HNSW_EF_CONSTRUCTION: intVar(200, 1, 10_000),
  HNSW_EF_SEARCH: intVar(64, 1, 10_000),
  /** Qdrant's REST endpoint (not gRPC). */
  QDRANT_URL: urlVar('http://localhost:6333'),
  /** Empty: no api-key header. */
  QDRANT_API_KEY: optionalStringVar(),
  // Qdrant refuses names with path separators and the like; say so at start-up rather than on the first request.
  QDRANT_COLLECTION: stringVar('relay_chunks').pipe(z.string().regex(/^[A-Za-z0-9_.-]{1,255}$/, { message: 'must be 1-255 letters, digits, _, . or -' })),
  QDRANT_UPSERT_BATCH: intVar(64, 1, 10_000),
});
export type VectorStoreConfig = z.infer<typeof vectorStoreConfigSchema>;
