export * from './keyword-index.port';
