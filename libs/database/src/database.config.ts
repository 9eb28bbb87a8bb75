import { enumVar, intVar, optionalStringVar } from '@relay/config';
import { z } from 'zod';

/** The fields alone, for listing them (zod cannot read the shape of a refined object). */
export const databaseConfigFields = z.object({
  /**
   * Where the gateway keeps sessions, their history and the document registry: `file` under DATA_DIR (the embedded
   * default, nothing to set up, one process), or `postgres` at DATABASE_URL (shared by every gateway replica).
   */
  STORE: enumVar(['file', 'postgres'] as const, 'file'),
  /** postgres://user:password@host:port/database; required with STORE=postgres. */
  DATABASE_URL: optionalStringVar(),
  /** Connections each process keeps open at most. */
  DATABASE_POOL_SIZE: intVar(10, 1, 1000),
  /** The server cancels a statement running longer than this; 0 = no limit. Migrations run without it. */
  DATABASE_STATEMENT_TIMEOUT_MS: intVar(10_000, 0, 3_600_000),
  /** How long start-up keeps trying to reach the database (it may still be starting), and how long a query waits for a connection. */
  DATABASE_CONNECT_TIMEOUT_MS: intVar(15_000, 100, 600_000),
});

export const databaseConfigSchema = databaseConfigFields.superRefine((c, ctx) => {
  if (c.STORE !== 'postgres') return;
  if (c.DATABASE_URL === '') {
    ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: 'is required with STORE=postgres: postgres://user:password@host:port/database (npm run db:start prints one)' });
    return;
  }
  let url: URL | undefined;
  try {
    url = new URL(c.DATABASE_URL);
  } catch {
    // reported below
  }
  if (!url || !/^postgres(ql)?:$/.test(url.protocol) || url.hostname === '') {
    ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: 'must be a postgres://user:password@host:port/database URL' });
  }
});
export type DatabaseConfig = z.infer<typeof databaseConfigSchema>;

/** The URL without its password, for logs and health details. */
export function describeDatabaseUrl(url: string): { host: string; port: number; database: string; user: string } {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username),
    user: decodeURIComponent(parsed.username),
  };
}
