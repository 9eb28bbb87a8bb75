import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMigrations, relayMigrationsDir } from './migration-files';

describe('readMigrations', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'relay-migration-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (files: Record<string, string>) => Object.entries(files).forEach(([name, sql]) => writeFileSync(join(dir, name), sql));

  it('reads NNNN_name.sql files in version order with their checksums, and ignores other files', () => {
    write({ '0010_later.sql': 'SELECT 10;', '0002_second.sql': 'SELECT 2;', '0001_first.sql': 'SELECT 1;', 'README.md': '# notes' });
    const migrations = readMigrations(dir);
    expect(migrations.map((m) => [m.version, m.name, m.sql])).toEqual([
      [1, '0001_first.sql', 'SELECT 1;'],
      [2, '0002_second.sql', 'SELECT 2;'],
      [10, '0010_later.sql', 'SELECT 10;'],
    ]);
    expect(migrations[0].checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(migrations[0].checksum).not.toBe(migrations[1].checksum);
  });

  it.each(['1_short.sql', '0003-dashes.sql', '0003_Upper.sql', 'sessions.sql'])('refuses a .sql file named %s instead of never running it', (name) => {
    write({ '0001_first.sql': 'SELECT 1;', [name]: 'SELECT 3;' });
    expect(() => readMigrations(dir)).toThrow(`${join(dir, name)}: a migration file is named NNNN_lowercase_words.sql`);
  });

  it('refuses two files of one version, and a version 0', () => {
    write({ '0001_first.sql': 'SELECT 1;', '0001_also_first.sql': 'SELECT 1;' });
    expect(() => readMigrations(dir)).toThrow('0001_also_first.sql and 0001_first.sql have the same version');
    rmSync(join(dir, '0001_also_first.sql'));
    write({ '0000_zero.sql': 'SELECT 0;' });
    expect(() => readMigrations(dir)).toThrow('versions start at 0001');
  });
});

describe('relayMigrationsDir', () => {
  it("finds Relay's migrations from the sources, and from a build folder beside them", () => {
    const dir = relayMigrationsDir();
    expect(dir.endsWith(join('libs', 'database', 'migrations'))).toBe(true);
    expect(readMigrations(dir).map((m) => m.name).slice(0, 2)).toEqual(['0001_sessions.sql', '0002_documents.sql']);
    const root = join(dir, '..', '..', '..');
    expect(relayMigrationsDir(join(root, 'dist', 'libs', 'database', 'src', 'migrations'))).toBe(dir);
  });

  it('says so when there is none above a folder', () => {
    const lonely = mkdtempSync(join(tmpdir(), 'relay-no-migrations-'));
    mkdirSync(join(lonely, 'a'));
    try {
      expect(() => relayMigrationsDir(join(lonely, 'a'))).toThrow(`no libs/database/migrations folder above ${join(lonely, 'a')}`);
    } finally {
      rmSync(lonely, { recursive: true, force: true });
    }
  });
});
