import { DynamicModule, Global, Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { ReadinessRegistry } from '@relay/observability';
import { join } from 'node:path';
import { FileSessionStore } from './file/file-session-store';
import { SESSION_STORE, SessionStore } from './session-store.port';

@Injectable()
class SessionStoreReadiness implements OnModuleInit {
  constructor(
    @Inject(SESSION_STORE) private readonly store: SessionStore,
    private readonly readiness: ReadinessRegistry,
  ) {}
  onModuleInit(): void {
    this.readiness.register({ name: 'session-store', check: () => ({ ready: this.store.isReady() }) });
  }
}

/** Provides SESSION_STORE: append-only session files under DATA_DIR. */
@Global()
@Module({})
export class SessionStoreModule {
  static forRoot(options: { dataDir: string }): DynamicModule {
    return {
      module: SessionStoreModule,
      providers: [
        { provide: SESSION_STORE, useFactory: () => new FileSessionStore(join(options.dataDir, 'sessions')) },
        SessionStoreReadiness,
      ],
      exports: [SESSION_STORE],
    };
  }
}
