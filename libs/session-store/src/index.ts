export * from './session-store.port';
export * from './session-store.module';
export * from './file/file-session-store';
export * from './postgres/postgres-session-store';
