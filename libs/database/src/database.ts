import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { Pool, type PoolClient, type QueryResult, type QueryResultRow } from 'pg';
import { describeDatabaseUrl } from './database.config';
import { readMigrations, relayMigrationsDir } from './migrations/migration-files';
import { migrate } from './migrations/migrator';

export const DATABASE = Symbol('DATABASE');

export interface DatabaseOptions {
  url: string;
  poolSize: number;
  /** 0: no limit. */
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  /** Shown in pg_stat_activity, e.g. relay-gateway. */
  applicationName: string;
  /** Defaults to Relay's own migrations (libs/database/migrations). */
  migrationsDir?: string;
  /** How often readiness is checked with a round trip; 0 = never (tests). */
  healthIntervalMs?: number;
}

/** Errors that mean "not reachable yet" (the server starting, its name not resolvable yet): start-up retries them. */
const TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', '57P03']);

/**
 * The PostgreSQL connection pool every Postgres adapter shares. `Database.connect` returns it only once the server
 * answers and the schema is migrated, so an adapter that receives it can query at once. Readiness is a round trip
 * every few seconds.
 */
export class Database implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private ready = true;
  private lastError?: string;
  private timer?: NodeJS.Timeout;
  private closed = false;

  private constructor(
    readonly pool: Pool,
    private readonly options: DatabaseOptions,
    readonly schemaVersion: number,
  ) {
    pool.on('error', (err) => {
      // An idle connection the server closed: without a listener it would crash the process.
      this.markUnready(err);
    });
    if (options.healthIntervalMs) {
      this.timer = setInterval(() => void this.probe(), options.healthIntervalMs);
      this.timer.unref();
    }
  }

  /** Connects (retrying while the server is not reachable yet, up to connectTimeoutMs), migrates, and returns the pool. */
  static async connect(options: DatabaseOptions): Promise<Database> {
    const logger = new Logger('Database');
    const where = describeDatabaseUrl(options.url);
    const pool = new Pool({
      connectionString: options.url,
      max: options.poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      statement_timeout: options.statementTimeoutMs || undefined,
      application_name: options.applicationName,
    });
    pool.on('error', () => undefined); // replaced by the instance's listener once connected
    try {
      await waitUntilReachable(pool, options.connectTimeoutMs, () =>
        logger.warn({ msg: 'database not reachable yet; retrying', host: where.host, port: where.port, database: where.database }),
      );
      const migrations = readMigrations(options.migrationsDir ?? relayMigrationsDir());
      const outcome = await migrate(pool, migrations, {
        onProgress: (event) =>
          event.type === 'waiting-for-lock'
            ? logger.log({ msg: 'waiting for another process to finish migrating the database' })
            : logger.log({ msg: 'database migration applied', migration: event.name, ms: event.ms }),
      });
      logger.log({ msg: 'database ready', ...where, schemaVersion: outcome.version, applied: outcome.applied.length });
      pool.removeAllListeners('error');
      return new Database(pool, options, outcome.version);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new Error(`database ${where.user}@${where.host}:${where.port}/${where.database}: ${(err as Error).message}`, { cause: err });
    }
  }

  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>> {
    return this.pool.query<R>(text, values);
  }

  /** Runs `work` in one transaction on one connection: committed if it resolves, rolled back if it throws. */
  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  isReady(): boolean {
    return this.ready && !this.closed;
  }

  details(): Record<string, unknown> {
    const { host, port, database } = describeDatabaseUrl(this.options.url);
    return {
      kind: 'postgres',
      host,
      port,
      database,
      schemaVersion: this.schemaVersion,
      pool: { size: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount, max: this.options.poolSize },
      ...(this.lastError ? { error: this.lastError } : {}),
    };
  }

  /** One round trip; updates readiness. */
  async probe(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      if (!this.ready) this.logger.log({ msg: 'database reachable again' });
      this.ready = true;
      this.lastError = undefined;
    } catch (err) {
      this.markUnready(err as Error);
    }
    return this.ready;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.pool.end();
  }

  /** Last of the shutdown hooks: the stores' final writes (answers finishing during shutdown) are done by then. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  private markUnready(err: Error): void {
    if (this.ready) this.logger.warn({ msg: 'database not reachable', err: err.message });
    this.ready = false;
    this.lastError = err.message;
  }
}

async function waitUntilReachable(pool: Pool, timeoutMs: number, onRetry: () => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      await pool.query('SELECT 1');
      return;
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      // A wrong password or an unknown database will not fix itself: say so at once.
      const message = (err as Error).message;
      if (!TRANSIENT.has(code) && !/timeout|Connection terminated unexpectedly/i.test(message)) throw err;
      if (Date.now() > deadline) throw new Error(`not reachable within ${timeoutMs} ms (${message || code})`);
      if (!told) onRetry();
      told = true;
      await new Promise((ok) => setTimeout(ok, 250));
    }
  }
}
