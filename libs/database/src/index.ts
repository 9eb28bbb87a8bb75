export * from './database.config';
export * from './database';
export * from './database.module';
export * from './postgres-text';
export * from './migrations/migration-files';
export * from './migrations/migrator';
