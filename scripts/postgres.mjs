#!/usr/bin/env node
// A throwaway PostgreSQL cluster for development and CI, from the distribution's own server binaries (Debian's
// postgresql-15: /usr/lib/postgresql/15/bin). No Docker, no system service: initdb + pg_ctl into a folder.
//   node scripts/postgres.mjs start            initdb on first run, start detached, wait until it accepts connections
//   node scripts/postgres.mjs stop [--clean]   pg_ctl stop -m fast (SIGKILL after 30 s); --clean also deletes the cluster
//   node scripts/postgres.mjs status           exit 0 when it is up and accepts connections, 3 otherwise
// Progress goes to stderr; `start` and `status` print one line `DATABASE_URL=postgres://...` on stdout, so
// `node scripts/postgres.mjs start >> "$GITHUB_ENV"` works. Everything lives in the git-ignored .cache/postgres/
// (override with POSTGRES_CACHE_DIR). The server listens on 127.0.0.1:POSTGRES_PORT (default 55432; `auto` picks a
// free port, kept for later starts) with a random password of its own, and no Unix socket.
//
// PostgreSQL refuses to run as root. Started by root (CI, containers), the script runs initdb and the server as the
// `postgres` user Debian's package creates (POSTGRES_OS_USER to pick another). If that user cannot reach the cache
// folder (a checkout under /root, say), the cluster's files go to a folder of its own under the system temp dir,
// named after the cache folder, and `state.json` says where.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { choosePort, portOpen, readFileSafe, runServiceCli, secs, tail, UsageError } from './lib/dev-process.mjs';

const HOST = '127.0.0.1';
const DEFAULT_PORT = 55432; // not 5432: a system PostgreSQL may be there
const START_TIMEOUT_S = Math.ceil(Number(process.env.POSTGRES_START_TIMEOUT_MS ?? 60_000) / 1000);
const STOP_TIMEOUT_S = 30;
const DB_USER = 'relay';
const DB_NAME = 'relay';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const home = resolve(root, process.env.POSTGRES_CACHE_DIR ?? '.cache/postgres');
const stateFile = join(home, 'state.json');

const log = (msg) => process.stderr.write(`[postgres] ${msg}\n`);

// ---------------------------------------------------------------------------------------------- where things are

/** The server's bin folder: PG_BIN_DIR, else Debian's 15, else the newest Debian version, else pg_config's. */
function binDir() {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const debian = '/usr/lib/postgresql';
  if (existsSync(join(debian, '15/bin/initdb'))) return join(debian, '15/bin');
  const versions = existsSync(debian)
    ? readdirSync(debian)
        .filter((v) => existsSync(join(debian, v, 'bin/initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length) return join(debian, versions[0], 'bin');
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0 && existsSync(join(pgConfig.stdout.trim(), 'initdb'))) return pgConfig.stdout.trim();
  throw new Error('no PostgreSQL server binaries found (looked in /usr/lib/postgresql/*/bin and pg_config --bindir): `apt-get install postgresql-15`, or set PG_BIN_DIR');
}

const isRoot = () => process.getuid?.() === 0;

/** Who runs initdb and the server: the caller, or (the caller being root) an unprivileged account. */
function serverUser() {
  if (!isRoot()) return null;
  const name = process.env.POSTGRES_OS_USER ?? 'postgres';
  const id = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (id.status !== 0) {
    throw new Error(`running as root, and there is no user "${name}" to run PostgreSQL as (it refuses root): install postgresql-15, which creates it, or set POSTGRES_OS_USER`);
  }
  return { name, uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Runs a server binary as the server's user; returns { status, out }. */
function runAs(user, bin, args, options = {}) {
  const [cmd, argv] = user ? ['runuser', ['-u', user.name, '--', join(binDir(), bin), ...args]] : [join(binDir(), bin), args];
  const res = spawnSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
  if (res.error) throw new Error(`cannot run ${cmd} (${res.error.code ?? res.error.message})`);
  return { status: res.status, out: `${res.stdout ?? ''}${res.stderr ?? ''}` };
}

/** The folder holding the cluster (data/ and server.log), owned by the server's user. */
function clusterDirFor(user) {
  const inCache = join(home, 'cluster');
  if (!user) return inCache;
  mkdirSync(home, { recursive: true });
  // Can the server's user reach the cache folder at all (every parent searchable)?
  const reach = spawnSync('runuser', ['-u', user.name, '--', 'test', '-x', home]);
  if (reach.status === 0) return inCache;
  const hash = createHash('sha256').update(home).digest('hex').slice(0, 12);
  return join(tmpdir(), `relay-postgres-${hash}`);
}

function readState() {
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8'));
  } catch {
    return null;
  }
}

function writeState(state) {
  mkdirSync(home, { recursive: true });
  writeFileSync(stateFile, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
}

const urlOf = (state) => `postgres://${DB_USER}:${state.password}@${HOST}:${state.port}/${DB_NAME}`;

// ---------------------------------------------------------------------------------------------- cluster

/** `pg_ctl status`: 0 running, 3 not running, 4 no cluster. */
function pgCtlStatus(user, dataDir) {
  if (!existsSync(dataDir)) return 4;
  return runAs(user, 'pg_ctl', ['status', '-D', dataDir], { cwd: dirname(dataDir) }).status;
}

function initCluster(user, clusterDir, dataDir) {
  const t0 = Date.now();
  rmSync(clusterDir, { recursive: true, force: true });
  mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  if (user) chownSync(clusterDir, user.uid, user.gid);
  const password = randomBytes(18).toString('base64url');
  // The password reaches initdb through a file only its user can read, removed right after.
  const pwfile = join(clusterDir, 'initdb.pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (user) chownSync(pwfile, user.uid, user.gid);
  const res = runAs(
    user,
    'initdb',
    ['-D', dataDir, '-U', DB_USER, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C.UTF-8', '--no-instructions'],
    { cwd: clusterDir },
  );
  rmSync(pwfile, { force: true });
  if (res.status !== 0) {
    process.stderr.write(tail(res.out, 30));
    throw new Error(`initdb failed (exit ${res.status}); see its output above`);
  }
  // The settings the script owns live in their own file, rewritten on every start.
  writeFileSync(join(dataDir, 'postgresql.conf'), `${readFileSync(join(dataDir, 'postgresql.conf'), 'utf8')}\ninclude 'relay.conf'\n`);
  log(`initialised a cluster in ${dataDir} in ${secs(Date.now() - t0)}`);
  return password;
}

function writeServerSettings(user, dataDir, port) {
  const file = join(dataDir, 'relay.conf');
  writeFileSync(
    file,
    [
      '# Written by scripts/postgres.mjs on every start; edit the script, not this file.',
      `port = ${port}`,
      `listen_addresses = '${HOST}'`,
      // No Unix socket: nothing to collide with another cluster's, or with the system one's, in /var/run/postgresql.
      `unix_socket_directories = ''`,
      `max_connections = 200`,
      `shared_buffers = 64MB`,
      `log_min_messages = warning`,
      `log_min_error_statement = panic`,
      '',
    ].join('\n'),
  );
  if (user) chownSync(file, user.uid, user.gid);
}

function createDatabase(state) {
  const res = spawnSync(join(binDir(), 'createdb'), ['-h', HOST, '-p', String(state.port), '-U', DB_USER, DB_NAME], {
    encoding: 'utf8',
    env: { ...process.env, PGPASSWORD: state.password, PGCONNECT_TIMEOUT: '10' },
  });
  if (res.status !== 0 && !/already exists/.test(res.stderr)) throw new Error(`createdb ${DB_NAME} failed: ${res.stderr.trim()}`);
}

// ---------------------------------------------------------------------------------------------- commands

async function start() {
  const user = serverUser();
  const previous = readState();
  const clusterDir = previous?.clusterDir ?? clusterDirFor(user);
  const dataDir = join(clusterDir, 'data');
  const logFile = join(clusterDir, 'server.log');

  if (previous && pgCtlStatus(user, dataDir) === 0) {
    const wanted = process.env.POSTGRES_PORT;
    if (wanted && wanted !== 'auto' && wanted !== '0' && Number(wanted) !== previous.port) {
      throw new UsageError(`PostgreSQL is already running on port ${previous.port}; run \`node scripts/postgres.mjs stop\` first`);
    }
    log(`already running on ${HOST}:${previous.port} (cluster in ${dataDir}); nothing to do`);
    console.log(`DATABASE_URL=${urlOf(previous)}`);
    return;
  }

  const port = await choosePort('POSTGRES_PORT', DEFAULT_PORT, previous?.port, HOST);
  if (await portOpen(port, HOST)) {
    throw new Error(`port ${port} is already in use by a process this script did not start (set POSTGRES_PORT, or auto)`);
  }
  let password = previous?.password;
  const fresh = !password || !existsSync(join(dataDir, 'PG_VERSION'));
  if (fresh) password = initCluster(user, clusterDir, dataDir);
  const state = { port, password, clusterDir, serverUser: user?.name ?? null, bin: binDir(), databaseCreated: !fresh && previous?.databaseCreated };
  writeState(state);
  writeServerSettings(user, dataDir, port);

  const t0 = Date.now();
  if (existsSync(logFile)) rmSync(logFile, { force: true });
  // -w: return once the server accepts connections (pg_ctl reads postmaster.pid); the server detaches from us.
  const res = runAs(user, 'pg_ctl', ['start', '-D', dataDir, '-l', logFile, '-w', '-t', String(START_TIMEOUT_S)], { cwd: clusterDir });
  if (res.status !== 0) {
    process.stderr.write(`${tail(res.out, 10)}--- last lines of ${logFile} ---\n${tail(readFileSafe(logFile) || '(no log)', 30)}`);
    runAs(user, 'pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate'], { cwd: clusterDir });
    throw new Error(`PostgreSQL did not start (pg_ctl exit ${res.status}); see above`);
  }
  if (!state.databaseCreated) {
    createDatabase(state);
    writeState({ ...state, databaseCreated: true });
  }
  log(`ready in ${secs(Date.now() - t0)} on ${HOST}:${port} (cluster in ${dataDir}, log ${logFile})`);
  console.log(`DATABASE_URL=${urlOf(state)}`);
}

async function stop(clean) {
  const state = readState();
  const user = state ? serverUser() : null;
  const clusterDir = state?.clusterDir;
  const dataDir = clusterDir && join(clusterDir, 'data');
  if (!state || pgCtlStatus(user, dataDir) !== 0) {
    log('not running');
  } else {
    const t0 = Date.now();
    // fast: roll back open transactions and disconnect clients, then a clean shutdown.
    let res = runAs(user, 'pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', String(STOP_TIMEOUT_S)], { cwd: clusterDir });
    if (res.status !== 0) {
      log(`still up after ${STOP_TIMEOUT_S} s; stopping it immediately`);
      res = runAs(user, 'pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w'], { cwd: clusterDir });
      if (res.status !== 0) throw new Error(`pg_ctl stop failed: ${res.out.trim()}`);
    }
    log(`stopped in ${secs(Date.now() - t0)}`);
  }
  if (clean) {
    if (clusterDir) rmSync(clusterDir, { recursive: true, force: true });
    rmSync(stateFile, { force: true });
    log(`deleted the cluster${clusterDir ? ` in ${clusterDir}` : ''}`);
  }
}

async function status() {
  const state = readState();
  if (!state) {
    log('not running (no cluster)');
    return 3;
  }
  const dataDir = join(state.clusterDir, 'data');
  const running = pgCtlStatus(serverUser(), dataDir) === 0;
  const accepting = running && (await portOpen(state.port, HOST));
  log(`cluster in ${dataDir}: ${running ? (accepting ? `accepting connections on ${HOST}:${state.port}` : `running, but nothing answers on ${HOST}:${state.port}`) : 'not running'}`);
  if (accepting) console.log(`DATABASE_URL=${urlOf(state)}`);
  return accepting ? 0 : 3;
}

// ---------------------------------------------------------------------------------------------- main

runServiceCli('postgres.mjs', { start, stop, status }, log);
