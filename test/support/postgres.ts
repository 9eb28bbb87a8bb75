import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Client } from 'pg';

const ROOT = resolve(__dirname, '../..');

/**
 * A real PostgreSQL for the tests: the server at TEST_DATABASE_URL if set (its user must be allowed to create
 * databases), else the project's own throwaway cluster (scripts/postgres.mjs) in .cache/postgres-test on a free port,
 * started here if it is not running and stopped again by `stop()` if this suite started it. Each test suite works in
 * databases of its own, `relay_test_*`, dropped by `stop()`.
 */
export class TestPostgres {
  private readonly created: string[] = [];

  private constructor(
    /** Where the test databases are created from (a database that always exists). */
    readonly adminUrl: string,
    private readonly startedHere: boolean,
  ) {}

  static start(): TestPostgres {
    if (process.env.TEST_DATABASE_URL) return new TestPostgres(process.env.TEST_DATABASE_URL, false);
    const running = scriptUrl('status');
    return new TestPostgres(running ?? scriptUrl('start')!, running === undefined);
  }

  /** A new, empty database; its URL. */
  async createDatabase(): Promise<string> {
    const name = `relay_test_${process.pid}_${Date.now().toString(36)}_${this.created.length}`;
    await this.admin((c) => c.query(`CREATE DATABASE ${name}`));
    this.created.push(name);
    return urlOf(this.adminUrl, name);
  }

  /** Drops the databases this suite created, and stops the cluster if this suite started it. */
  async stop(): Promise<void> {
    await this.admin(async (c) => {
      for (const name of this.created) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    });
    this.created.length = 0;
    if (this.startedHere) script('stop');
  }

  private async admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: this.adminUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
}

/** The same server and credentials, another database. */
export function urlOf(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

function script(command: string): string {
  return execFileSync(process.execPath, [join(ROOT, 'scripts/postgres.mjs'), command], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', command === 'status' ? 'ignore' : 'inherit'],
    encoding: 'utf8',
    env: { ...process.env, POSTGRES_CACHE_DIR: '.cache/postgres-test', POSTGRES_PORT: 'auto' },
  });
}

/** The DATABASE_URL the script prints, or undefined when `status` says it is not running. */
function scriptUrl(command: 'start' | 'status'): string | undefined {
  let out: string;
  try {
    out = script(command);
  } catch (err) {
    if (command === 'status') return undefined;
    throw err;
  }
  const line = out.split('\n').find((l) => l.startsWith('DATABASE_URL='));
  if (!line) throw new Error(`scripts/postgres.mjs ${command} printed no DATABASE_URL line:\n${out}`);
  return line.slice('DATABASE_URL='.length).trim();
}
