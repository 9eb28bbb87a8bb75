export * from './vector-store.port';
export * from './vector-store.module';
export * from './exact/exact-vector-store';
export * from './dot-product';
export * from './hnsw/hnsw-vector-store';
export * from './vector-store.config';
export * from './qdrant/qdrant-vector-store';
export * from './qdrant/qdrant-request-error';
