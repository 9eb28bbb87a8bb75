import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { DATABASE, type Database, type DatabaseConfig } from '@relay/database';
import { readinessOf } from '@relay/observability';
import { join } from 'node:path';
import { FileSessionStore } from './file/file-session-store';
import { PostgresSessionStore } from './postgres/postgres-session-store';
import { SESSION_STORE, SessionStore } from './session-store.port';

/**
 * Provides SESSION_STORE from STORE: append-only session files under DATA_DIR (`file`, the default), or PostgreSQL
 * (`postgres`, with DatabaseModule's pool), which every gateway replica shares.
 */
@Global()
@Module({})
export class SessionStoreModule {
  static forRoot(options: { dataDir: string; store?: DatabaseConfig['STORE']; cacheSize?: number }): DynamicModule {
    const store: Provider =
      options.store === 'postgres'
        ? { provide: SESSION_STORE, inject: [DATABASE], useFactory: (db: Database) => new PostgresSessionStore(db) }
        : { provide: SESSION_STORE, useFactory: () => new FileSessionStore(join(options.dataDir, 'sessions'), { cacheSize: options.cacheSize }) };
    return {
      module: SessionStoreModule,
      providers: [
        store,
        readinessOf<SessionStore>(SESSION_STORE, 'session-store', (s) => ({ ready: s.isReady(), details: { kind: options.store ?? 'file' } })),
      ],
      exports: [SESSION_STORE],
    };
  }
}
