import { ConfigError, parseEnv } from '@relay/config';
import { databaseConfigSchema, describeDatabaseUrl } from './database.config';

function problems(env: Record<string, string>) {
  try {
    parseEnv(databaseConfigSchema, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('databaseConfigSchema', () => {
  it('defaults to the file store, which needs no database', () => {
    expect(parseEnv(databaseConfigSchema, {})).toEqual({
      STORE: 'file',
      DATABASE_URL: '',
      DATABASE_POOL_SIZE: 10,
      DATABASE_STATEMENT_TIMEOUT_MS: 10_000,
      DATABASE_CONNECT_TIMEOUT_MS: 15_000,
    });
  });

  it('takes a postgres URL with STORE=postgres', () => {
    const config = parseEnv(databaseConfigSchema, { STORE: 'postgres', DATABASE_URL: 'postgresql://relay:pw@db:5432/relay?sslmode=require', DATABASE_STATEMENT_TIMEOUT_MS: '0' });
    expect(config).toMatchObject({ STORE: 'postgres', DATABASE_URL: 'postgresql://relay:pw@db:5432/relay?sslmode=require', DATABASE_STATEMENT_TIMEOUT_MS: 0 });
  });

  it('refuses STORE=postgres without DATABASE_URL, saying how to get one', () => {
    expect(problems({ STORE: 'postgres' })).toEqual([
      { variable: 'DATABASE_URL', reason: expect.stringMatching(/^is required with STORE=postgres: postgres:\/\/user:password@host:port\/database \(npm run db:start prints one\)/) },
    ]);
  });

  it.each(['mysql://relay:secret-pw@db/relay', 'not a url secret-pw', 'postgres:///relay?password=secret-pw'])('refuses DATABASE_URL=%s without echoing it', (url) => {
    const [problem] = problems({ STORE: 'postgres', DATABASE_URL: url });
    expect(problem.variable).toBe('DATABASE_URL');
    expect(problem.reason).toMatch(/^must be a postgres:\/\/user:password@host:port\/database URL \(got \d+ characters\)$/);
    expect(problem.reason).not.toContain('secret-pw');
  });

  it('refuses an unknown STORE and a pool of 0', () => {
    expect(problems({ STORE: 'sqlite', DATABASE_POOL_SIZE: '0' }).map((p) => p.variable).sort()).toEqual(['DATABASE_POOL_SIZE', 'STORE']);
  });
});

describe('describeDatabaseUrl', () => {
  it('gives where the database is, without the password', () => {
    expect(describeDatabaseUrl('postgres://relay%40team:p%40ss@db.internal:6543/relay_prod')).toEqual({ host: 'db.internal', port: 6543, database: 'relay_prod', user: 'relay@team' });
    expect(describeDatabaseUrl('postgres://relay:pw@db')).toEqual({ host: 'db', port: 5432, database: 'relay', user: 'relay' });
  });
});
