export * from './keyword-index.port';
export * from './keyword-index.module';
export * from './bm25/bm25-keyword-index';
export * from './bm25/text-analyzer';
export * from './reciprocal-rank-fusion';
export * from './convex-combination';
export * from './evaluation/ranking-metrics';
export * from './evaluation/paired-randomization-test';
