import type { Pool, PoolClient } from 'pg';
import type { Migration } from './migration-files';

/**
 * The advisory lock every Relay process takes to migrate: one at a time, so replicas starting together never run
 * the same migration twice. The number is "relay" in ASCII.
 */
export const MIGRATION_LOCK_KEY = '491260009849';

/** The database holds migrations this build does not have: it was migrated by a newer Relay. */
export class DatabaseNewerThanCodeError extends Error {
  constructor(readonly unknown: Array<{ version: number; name: string }>, readonly known: number) {
    super(
      `the database was migrated by a newer Relay: it has ${unknown.map((m) => m.name).join(', ')}, ` +
        `which this build does not know (it knows migrations up to ${String(known).padStart(4, '0')}). Run the newer build, or restore a backup taken before it migrated.`,
    );
    this.name = 'DatabaseNewerThanCodeError';
  }
}

/** A migration that was applied has since been edited: what the database holds is not what the file says. */
export class MigrationChangedError extends Error {
  constructor(readonly migration: string) {
    super(`migration ${migration} was changed after it was applied to this database; add a new migration instead of editing an applied one`);
    this.name = 'MigrationChangedError';
  }
}

export interface MigrationOutcome {
  /** The highest version the database is at now. */
  version: number;
  /** What this run applied (empty when another process, or an earlier start, had done it). */
  applied: string[];
}

export interface MigratorOptions {
  /** Longest wait for another process's migrations to finish. */
  lockTimeoutMs?: number;
  /** Told when this process has to wait for the lock, and about each migration it applies. */
  onProgress?: (event: { type: 'waiting-for-lock' } | { type: 'applied'; name: string; ms: number }) => void;
}

/**
 * Brings a database up to date with the migrations: creates schema_migrations if missing, then, holding the
 * advisory lock, applies every migration not yet applied, in version order, each in its own transaction together
 * with its schema_migrations row. Refuses a database that has migrations the code does not know, or whose applied
 * migrations were edited since.
 */
export async function migrate(pool: Pool, migrations: Migration[], options: MigratorOptions = {}): Promise<MigrationOutcome> {
  const client = await pool.connect();
  try {
    // A migration may build an index on a large table: DATABASE_STATEMENT_TIMEOUT_MS is for requests, not for this.
    await client.query('SET statement_timeout = 0');
    await lock(client, options);
    try {
      return await applyPending(client, migrations, options);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await client.query('RESET statement_timeout').catch(() => undefined);
    client.release();
  }
}

async function lock(client: PoolClient, options: MigratorOptions): Promise<void> {
  const timeoutMs = options.lockTimeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  let told = false;
  // Polled with pg_try_advisory_lock rather than waited for with pg_advisory_lock, so the wait has a deadline of
  // its own and the process can say that it is waiting.
  while (!(await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [MIGRATION_LOCK_KEY])).rows[0].locked) {
    if (!told) options.onProgress?.({ type: 'waiting-for-lock' });
    told = true;
    if (Date.now() > deadline) throw new Error(`another process has been migrating the database for more than ${timeoutMs} ms (advisory lock ${MIGRATION_LOCK_KEY}); is one stuck?`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

async function applyPending(client: PoolClient, migrations: Migration[], options: MigratorOptions): Promise<MigrationOutcome> {
  await client.query(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  const done = (await client.query<{ version: number; name: string; checksum: string }>('SELECT version, name, checksum FROM schema_migrations ORDER BY version')).rows;
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  const known = migrations.at(-1)?.version ?? 0;
  const unknown = done.filter((d) => !byVersion.has(d.version));
  if (unknown.length > 0) throw new DatabaseNewerThanCodeError(unknown, known);
  for (const d of done) if (byVersion.get(d.version)!.checksum !== d.checksum) throw new MigrationChangedError(d.name);

  const applied = new Set(done.map((d) => d.version));
  const names: string[] = [];
  for (const migration of migrations.filter((m) => !applied.has(m.version))) {
    const started = Date.now();
    await client.query('BEGIN');
    try {
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [migration.version, migration.name, migration.checksum]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw new Error(`migration ${migration.name} failed, nothing of it was applied: ${(err as Error).message}`);
    }
    names.push(migration.name);
    options.onProgress?.({ type: 'applied', name: migration.name, ms: Date.now() - started });
  }
  return { version: Math.max(0, ...done.map((d) => d.version), ...migrations.filter((m) => names.includes(m.name)).map((m) => m.version)), applied: names };
}
