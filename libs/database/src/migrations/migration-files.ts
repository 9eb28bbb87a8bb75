import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** One numbered SQL file of libs/database/migrations. */
export interface Migration {
  version: number;
  /** The file name, e.g. 0001_sessions.sql. */
  name: string;
  sql: string;
  /** sha256 of the file: a migration edited after it was applied is refused, not silently skipped. */
  checksum: string;
}

const FILE_NAME = /^(\d{4})_[a-z0-9_]+\.sql$/;

/**
 * Reads every `NNNN_name.sql` of a folder, in version order. A `.sql` file named otherwise, or two files of one
 * version, stop start-up: a migration that silently never runs is worse than one that refuses to start.
 */
export function readMigrations(dir: string): Migration[] {
  const migrations: Migration[] = [];
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.sql'))) {
    const match = FILE_NAME.exec(name);
    if (!match) throw new Error(`${join(dir, name)}: a migration file is named NNNN_lowercase_words.sql (four digits, then what it does)`);
    const sql = readFileSync(join(dir, name), 'utf8');
    migrations.push({ version: Number(match[1]), name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i].version === migrations[i - 1].version) {
      throw new Error(`${dir}: ${migrations[i - 1].name} and ${migrations[i].name} have the same version`);
    }
  }
  if (migrations[0]?.version === 0) throw new Error(`${join(dir, migrations[0].name)}: versions start at 0001`);
  return migrations;
}

/**
 * Relay's own migrations: libs/database/migrations of the checkout or image, found from this file's folder upwards,
 * so the same lookup works from the sources (tests) and from dist/ (a build, the Docker image).
 */
export function relayMigrationsDir(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'libs', 'database', 'migrations');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`no libs/database/migrations folder above ${from}`);
  }
}
