import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseEnv } from '@relay/config';
import {
  Database,
  DATABASE,
  databaseConfigSchema,
  DatabaseModule,
  DatabaseNewerThanCodeError,
  migrate,
  MigrationChangedError,
  readMigrations,
  relayMigrationsDir,
} from '@relay/database';
import { ObservabilityModule, ReadinessRegistry } from '@relay/observability';
import { FileSessionStore, PostgresSessionStore, SESSION_STORE, SessionStoreModule } from '@relay/session-store';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { DOCUMENT_REGISTRY } from '../../apps/gateway/src/documents/document-registry.port';
import { TestPostgres, urlOf } from '../support/postgres';
import { freePort } from '../support/relay-process';
import { TcpProxy } from '../support/tcp-proxy';

// The database library against a real PostgreSQL: migrations at start-up (fresh, again, several processes at
// once, newer than the code, edited, failing), and the pool (retries, timeouts, readiness, module wiring).
beforeAll(() => Logger.overrideLogger(false));

let postgres: TestPostgres;
beforeAll(() => {
  postgres = TestPostgres.start();
}, 60_000);
afterAll(async () => {
  await postgres.stop();
});

const pools: Pool[] = [];
const poolOf = (url: string) => {
  const pool = new Pool({ connectionString: url, max: 3 });
  pools.push(pool);
  return pool;
};
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()));
});

const scratch = mkdtempSync(join(tmpdir(), 'relay-migrations-'));
/** The newest schema version the code knows: the number of its last migration. */
const LATEST_SCHEMA = readMigrations(relayMigrationsDir()).at(-1)!.version;
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
/** A migrations folder holding exactly these files. */
function migrationsDir(files: Record<string, string>): string {
  const dir = join(scratch, `set-${dirs++}`);
  mkdirSync(dir);
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

async function appliedRows(pool: Pool) {
  return (await pool.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version')).rows;
}

describe('migrations', () => {
  const relay = readMigrations(relayMigrationsDir());

  it("brings a fresh database to Relay's schema, recording each migration", async () => {
    const pool = poolOf(await postgres.createDatabase());
    const outcome = await migrate(pool, relay);
    expect(outcome.applied).toEqual(['0001_sessions.sql', '0002_documents.sql', '0003_document_collections.sql', '0004_identity.sql', '0005_audit_events.sql']);
    expect(outcome.version).toBe(5);
    expect(await appliedRows(pool)).toEqual([
      { version: 1, name: '0001_sessions.sql' },
      { version: 2, name: '0002_documents.sql' },
      { version: 3, name: '0003_document_collections.sql' },
      { version: 4, name: '0004_identity.sql' },
      { version: 5, name: '0005_audit_events.sql' },
    ]);
    const tables = (await pool.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).rows.map((r) => r.tablename);
    expect(tables).toEqual([
      'audit_events',
      'collection_grants',
      'collections',
      'documents',
      'interactions',
      'schema_migrations',
      'session_client_messages',
      'session_messages',
      'sessions',
      'sign_in_sessions',
      'user_answers_in_flight',
      'user_message_windows',
      'user_token_days',
      'users',
    ]);
  });

  it('does nothing when run again', async () => {
    const pool = poolOf(await postgres.createDatabase());
    await migrate(pool, relay);
    const before = (await pool.query('SELECT version, applied_at FROM schema_migrations ORDER BY version')).rows;
    const again = await migrate(pool, relay);
    expect(again).toEqual({ version: relay.at(-1)!.version, applied: [] });
    expect((await pool.query('SELECT version, applied_at FROM schema_migrations ORDER BY version')).rows).toEqual(before);
  });

  it('applies a later migration, a new file, and only that', async () => {
    const pool = poolOf(await postgres.createDatabase());
    const first = { '0001_notes.sql': 'CREATE TABLE notes (id int PRIMARY KEY);' };
    expect((await migrate(pool, readMigrations(migrationsDir(first)))).applied).toEqual(['0001_notes.sql']);
    const later = migrationsDir({ ...first, '0002_note_text.sql': 'ALTER TABLE notes ADD COLUMN text text NOT NULL DEFAULT \'\';' });
    expect(await migrate(pool, readMigrations(later))).toEqual({ version: 2, applied: ['0002_note_text.sql'] });
    await pool.query("INSERT INTO notes (id, text) VALUES (1, 'works')");
  });

  it('runs each migration once when several processes start at the same moment', async () => {
    const url = await postgres.createDatabase();
    // Not idempotent and slow: without the lock, both runners would create the table (one failing) or count twice.
    const dir = migrationsDir({
      '0001_counter.sql': 'CREATE TABLE counter (n int NOT NULL); SELECT pg_sleep(0.4); INSERT INTO counter VALUES (1);',
      '0002_more.sql': 'INSERT INTO counter VALUES (2);',
    });
    const waited: number[] = [];
    const runners = Array.from({ length: 4 }, (_, i) =>
      migrate(poolOf(url), readMigrations(dir), { onProgress: (e) => e.type === 'waiting-for-lock' && waited.push(i) }),
    );
    const outcomes = await Promise.all(runners);
    expect(outcomes.flatMap((o) => o.applied).sort()).toEqual(['0001_counter.sql', '0002_more.sql']);
    expect(outcomes.every((o) => o.version === 2)).toBe(true);
    expect(waited.length).toBeGreaterThanOrEqual(1);
    const pool = poolOf(url);
    expect((await pool.query('SELECT n FROM counter ORDER BY n')).rows).toEqual([{ n: 1 }, { n: 2 }]);
    expect(await appliedRows(pool)).toHaveLength(2);
  });

  it("runs Relay's own migrations once with several replicas starting together", async () => {
    const url = await postgres.createDatabase();
    const outcomes = await Promise.all(Array.from({ length: 3 }, () => migrate(poolOf(url), relay)));
    expect(outcomes.flatMap((o) => o.applied).sort()).toEqual(['0001_sessions.sql', '0002_documents.sql', '0003_document_collections.sql', '0004_identity.sql', '0005_audit_events.sql']);
  });

  it('refuses a database migrated by a newer build, naming what it does not know', async () => {
    const pool = poolOf(await postgres.createDatabase());
    const newer = migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_b.sql': 'CREATE TABLE b (id int);', '0003_c.sql': 'CREATE TABLE c (id int);' });
    await migrate(pool, readMigrations(newer));
    const older = migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    const refused = migrate(pool, readMigrations(older));
    await expect(refused).rejects.toBeInstanceOf(DatabaseNewerThanCodeError);
    await expect(refused).rejects.toThrow('the database was migrated by a newer Relay: it has 0002_b.sql, 0003_c.sql, which this build does not know (it knows migrations up to 0001)');
    expect(await appliedRows(pool)).toHaveLength(3);
  });

  it('refuses to start on a database newer than the code, and frees its connections', async () => {
    const url = await postgres.createDatabase();
    const pool = poolOf(url);
    await migrate(pool, relay);
    await pool.query("INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, '9999_from_the_future.sql', 'x')");
    await expect(Database.connect({ url, poolSize: 2, statementTimeoutMs: 0, connectTimeoutMs: 2_000, applicationName: 'relay-test-newer' })).rejects.toThrow(
      /^database relay@127\.0\.0\.1:\d+\/relay_test_\w+: the database was migrated by a newer Relay: it has 9999_from_the_future\.sql/,
    );
    // The server lets go of a closed connection's backend a moment after the client has gone.
    const left = async () => (await pool.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'relay-test-newer'")).rows[0].n as number;
    for (let i = 0; i < 50 && (await left()) > 0; i++) await new Promise((ok) => setTimeout(ok, 20));
    expect(await left()).toBe(0);
  });

  it('refuses a migration edited after it was applied', async () => {
    const pool = poolOf(await postgres.createDatabase());
    await migrate(pool, readMigrations(migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);' })));
    const edited = migrate(pool, readMigrations(migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id bigint);' })));
    await expect(edited).rejects.toBeInstanceOf(MigrationChangedError);
    await expect(edited).rejects.toThrow('migration 0001_a.sql was changed after it was applied to this database');
  });

  it('applies nothing of a failing migration, says which, and applies it once fixed', async () => {
    const pool = poolOf(await postgres.createDatabase());
    const broken = migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_b.sql': 'CREATE TABLE b (id int); INSERT INTO no_such_table VALUES (1);' });
    await expect(migrate(pool, readMigrations(broken))).rejects.toThrow('migration 0002_b.sql failed, nothing of it was applied: relation "no_such_table" does not exist');
    expect(await appliedRows(pool)).toEqual([{ version: 1, name: '0001_a.sql' }]);
    expect((await pool.query("SELECT to_regclass('b') AS b")).rows[0].b).toBeNull();
    const fixed = migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_b.sql': 'CREATE TABLE b (id int);' });
    expect((await migrate(pool, readMigrations(fixed))).applied).toEqual(['0002_b.sql']);
  });
});

describe('the pool', () => {
  const options = { poolSize: 2, statementTimeoutMs: 0, connectTimeoutMs: 5_000, applicationName: 'relay-test' };

  it('cancels a statement that runs longer than DATABASE_STATEMENT_TIMEOUT_MS', async () => {
    const db = await Database.connect({ ...options, url: await postgres.createDatabase(), statementTimeoutMs: 200 });
    try {
      await expect(db.query('SELECT pg_sleep(2)')).rejects.toThrow('canceling statement due to statement timeout');
      expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
  });

  it('rolls a transaction back when its work throws', async () => {
    const db = await Database.connect({ ...options, url: await postgres.createDatabase() });
    try {
      await expect(
        db.transaction(async (tx) => {
          await tx.query("INSERT INTO sessions (session_id, user_id, created_at, updated_at) VALUES ('s1', 'u', now(), now())");
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      expect((await db.query('SELECT * FROM sessions')).rows).toEqual([]);
      await db.transaction((tx) => tx.query("INSERT INTO sessions (session_id, user_id, created_at, updated_at) VALUES ('s2', 'u', now(), now())"));
      expect((await db.query('SELECT session_id FROM sessions')).rows).toEqual([{ session_id: 's2' }]);
    } finally {
      await db.close();
    }
  });

  it('waits at start-up for a database that is not reachable yet, then connects', async () => {
    const url = new URL(await postgres.createDatabase());
    const target = Number(url.port);
    url.port = String(await freePort());
    // Nothing listens on the URL's port for the first second (connections refused); then a forwarder to the server does.
    const forwarder = new Promise<{ close(): Promise<void> }>((ok) => setTimeout(() => ok(forward(Number(url.port), target)), 1000));
    try {
      const started = Date.now();
      const db = await Database.connect({ ...options, url: url.toString() });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(db.schemaVersion).toBe(LATEST_SCHEMA);
      await db.close();
    } finally {
      await (await forwarder).close();
    }
  });

  it('gives up on an unreachable database after DATABASE_CONNECT_TIMEOUT_MS, naming it without its password', async () => {
    const url = new URL(postgres.adminUrl);
    url.port = String(await freePort());
    const started = Date.now();
    const attempt = Database.connect({ ...options, url: url.toString(), connectTimeoutMs: 1_000 });
    await expect(attempt).rejects.toThrow(new RegExp(`^database relay@127\\.0\\.0\\.1:${url.port}/relay: not reachable within 1000 ms`));
    await expect(attempt).rejects.not.toThrow(url.password);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it('fails at once on a wrong password or an unknown database', async () => {
    const wrong = new URL(postgres.adminUrl);
    wrong.password = 'not-the-password';
    const started = Date.now();
    await expect(Database.connect({ ...options, url: wrong.toString(), connectTimeoutMs: 10_000 })).rejects.toThrow(/password authentication failed for user "relay"/);
    await expect(Database.connect({ ...options, url: urlOf(postgres.adminUrl, 'no_such_database'), connectTimeoutMs: 10_000 })).rejects.toThrow(/database "no_such_database" does not exist/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reports not ready while the server is unreachable, and ready again when it is back', async () => {
    const url = new URL(await postgres.createDatabase());
    const proxy = await TcpProxy.start(Number(url.port));
    url.port = String(proxy.port);
    const db = await Database.connect({ ...options, url: url.toString(), connectTimeoutMs: 1_000 });
    try {
      expect(await db.probe()).toBe(true);
      expect(db.isReady()).toBe(true);
      proxy.cut();
      expect(await db.probe()).toBe(false);
      expect(db.isReady()).toBe(false);
      expect(db.details()).toMatchObject({ kind: 'postgres', schemaVersion: LATEST_SCHEMA, error: expect.any(String) });
      proxy.restore();
      expect(await db.probe()).toBe(true);
      expect(db.details().error).toBeUndefined();
    } finally {
      await db.close();
      await proxy.close();
    }
  });

  it('is what DatabaseModule provides with STORE=postgres: migrated, its readiness registered, the stores on it, closed with the app', async () => {
    const url = await postgres.createDatabase();
    const config = parseEnv(databaseConfigSchema, { STORE: 'postgres', DATABASE_URL: url, DATABASE_POOL_SIZE: '3' });
    @Module({
      imports: [
        ObservabilityModule.forRoot({ auditLogPath: join(scratch, 'audit.jsonl') }),
        DatabaseModule.forRoot(config, { applicationName: 'relay-test-module' }),
        SessionStoreModule.forRoot({ dataDir: scratch, store: config.STORE }),
      ],
    })
    class RootModule {}
    const app = await NestFactory.createApplicationContext(RootModule, { logger: false });
    const db = app.get<Database>(DATABASE);
    expect(app.get(SESSION_STORE)).toBeInstanceOf(PostgresSessionStore);
    const report = app.get(ReadinessRegistry).report();
    expect(report.find((r) => r.name === 'database')).toEqual({
      name: 'database',
      ready: true,
      details: { kind: 'postgres', host: '127.0.0.1', port: Number(new URL(url).port), database: new URL(url).pathname.slice(1), schemaVersion: LATEST_SCHEMA, pool: expect.objectContaining({ max: 3 }) },
    });
    expect(JSON.stringify(report)).not.toContain(new URL(url).password);
    expect(report.find((r) => r.name === 'session-store')).toEqual({ name: 'session-store', ready: true, details: { kind: 'postgres' } });
    expect((await db.query('SELECT count(*)::int AS n FROM schema_migrations')).rows[0].n).toBe(readMigrations(relayMigrationsDir()).length);
    await app.close();
    expect(db.isReady()).toBe(false);
    await expect(db.query('SELECT 1')).rejects.toThrow(/pool/i);
  });

  it('connects to nothing with STORE=file, and the stores stay files', async () => {
    const config = parseEnv(databaseConfigSchema, {});
    @Module({
      imports: [
        ObservabilityModule.forRoot({ auditLogPath: join(scratch, 'audit.jsonl') }),
        DatabaseModule.forRoot(config, { applicationName: 'relay-test' }),
        SessionStoreModule.forRoot({ dataDir: scratch, store: config.STORE }),
      ],
    })
    class RootModule {}
    const app = await NestFactory.createApplicationContext(RootModule, { logger: false });
    try {
      expect(config.STORE).toBe('file');
      expect(app.get(SESSION_STORE)).toBeInstanceOf(FileSessionStore);
      expect(() => app.get(DATABASE)).toThrow();
      expect(app.get(ReadinessRegistry).report().map((r) => r.name).sort()).toEqual(['audit-log', 'session-store']);
    } finally {
      await app.close();
    }
  });
});

/** Listens on `port` and forwards each connection to the server on `target`. */
async function forward(port: number, target: number): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok));
  return {
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}
