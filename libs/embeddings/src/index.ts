export * from './embedder.port';
export * from './embeddings.config';
export * from './embeddings.module';
export * from './transformers-js/transformers-js.embedder';
export * from './openai-compatible/openai-compatible.embedder';
export * from './micro-batching/micro-batching-embedder';
