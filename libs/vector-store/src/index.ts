export * from './vector-store.port';
export * from './vector-store.module';
export * from './exact/exact-vector-store';
export * from './dot-product';
