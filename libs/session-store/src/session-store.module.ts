import { DynamicModule, Global, Module } from '@nestjs/common';
import { readinessOf } from '@relay/observability';
import { join } from 'node:path';
import { FileSessionStore } from './file/file-session-store';
import { SESSION_STORE, SessionStore } from './session-store.port';

/** Provides SESSION_STORE: append-only session files under DATA_DIR. */
@Global()
@Module({})
export class SessionStoreModule {
  static forRoot(options: { dataDir: string; cacheSize?: number }): DynamicModule {
    return {
      module: SessionStoreModule,
      providers: [
        { provide: SESSION_STORE, useFactory: () => new FileSessionStore(join(options.dataDir, 'sessions'), { cacheSize: options.cacheSize }) },
        readinessOf<SessionStore>(SESSION_STORE, 'session-store', (store) => ({ ready: store.isReady() })),
      ],
      exports: [SESSION_STORE],
    };
  }
}
