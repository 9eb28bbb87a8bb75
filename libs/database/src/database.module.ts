import { DynamicModule, Global, Module } from '@nestjs/common';
import { readinessOf } from '@relay/observability';
import { Database, DATABASE } from './database';
import type { DatabaseConfig } from './database.config';

/**
 * Provides DATABASE (the shared PostgreSQL pool, migrated) when STORE=postgres; with STORE=file it provides nothing
 * and nothing connects anywhere. The stores' modules pick their Postgres adapters from the same STORE.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(config: DatabaseConfig, options: { applicationName: string }): DynamicModule {
    if (config.STORE !== 'postgres') return { module: DatabaseModule };
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: DATABASE,
          useFactory: () =>
            Database.connect({
              url: config.DATABASE_URL,
              poolSize: config.DATABASE_POOL_SIZE,
              statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
              connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
              applicationName: options.applicationName,
              healthIntervalMs: 5_000,
            }),
        },
        readinessOf<Database>(DATABASE, 'database', (db) => ({ ready: db.isReady(), details: db.details() })),
      ],
      exports: [DATABASE],
    };
  }
}
