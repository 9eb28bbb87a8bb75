#!/usr/bin/env node
// A real Qdrant server for development and CI, from the build in the shared folder (no registry carries one).
//   node scripts/qdrant.mjs start            unpack on first run (sha256 checked), start detached, wait for /readyz
//   node scripts/qdrant.mjs stop [--clean]   SIGTERM, wait up to 10 s, SIGKILL; --clean also deletes the storage
//   node scripts/qdrant.mjs status           exit 0 when it is up and ready, 3 otherwise
// Progress goes to stderr; `start` and `status` print one line `QDRANT_URL=http://127.0.0.1:<port>` on stdout, so
// `node scripts/qdrant.mjs start >> "$GITHUB_ENV"` works. Everything lives in the git-ignored .cache/qdrant/
// (override with QDRANT_CACHE_DIR). The gzip comes from ../shared/bin/ (override with QDRANT_BIN_GZ); HTTP on
// QDRANT_PORT (default 6333), gRPC on the next port. Users run Qdrant their own way (docs/distributed.md).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, createReadStream, createWriteStream, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { portOpen, readFileSafe, runServiceCli, secs, serverStatus, stopServer, UsageError, waitUntilReady } from './lib/dev-process.mjs';
import { createGunzip } from 'node:zlib';

const QDRANT_VERSION = '1.18.3';
const START_TIMEOUT_MS = Number(process.env.QDRANT_START_TIMEOUT_MS ?? 30_000);
const STOP_TIMEOUT_MS = 10_000;
const HOST = '127.0.0.1';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const home = resolve(root, process.env.QDRANT_CACHE_DIR ?? '.cache/qdrant');
const gz = resolve(root, process.env.QDRANT_BIN_GZ ?? `../shared/bin/qdrant-${QDRANT_VERSION}-linux-x86_64.gz`);
const binary = join(home, `qdrant-${QDRANT_VERSION}`);
const binMarker = `${binary}.sha256`; // the gzip's checksum the binary was unpacked from
const storageDir = join(home, 'storage');
const snapshotsDir = join(home, 'snapshots');
const logFile = join(home, 'qdrant.log');
const pidFile = join(home, 'qdrant.pid');
const stateFile = join(home, 'state.json');

const log = (msg) => process.stderr.write(`[qdrant] ${msg}\n`);


function httpPort() {
  const port = Number(process.env.QDRANT_PORT ?? 6333);
  if (!Number.isInteger(port) || port <= 0 || port >= 65535) throw new UsageError(`bad QDRANT_PORT: ${process.env.QDRANT_PORT}`);
  return port;
}

// ---------------------------------------------------------------------------------------------- install

async function sha256(path) {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** The expected checksum of the gzip, from the SHA256SUMS beside it. */
function expectedSum() {
  const sums = join(dirname(gz), 'SHA256SUMS');
  if (!existsSync(sums)) throw new Error(`${sums} is missing: cannot verify ${gz}`);
  const line = readFileSync(sums, 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+\*?/))
    .find(([, name]) => name === basename(gz));
  if (!line) throw new Error(`${sums} lists no checksum for ${basename(gz)}`);
  return line[0];
}

async function install() {
  if (!existsSync(gz)) throw new Error(`no Qdrant build at ${gz} (set QDRANT_BIN_GZ to the qdrant-${QDRANT_VERSION}-linux-x86_64.gz file)`);
  const want = expectedSum();
  if (existsSync(binary) && readFileSafe(binMarker).trim() === want) return;
  const t0 = Date.now();
  const got = await sha256(gz);
  if (got !== want) throw new Error(`sha256 of ${gz} is ${got}, SHA256SUMS says ${want}: refusing to run it`);
  mkdirSync(home, { recursive: true });
  // Unpack beside and rename: an interrupted run never leaves a truncated binary that looks installed.
  const partial = `${binary}.partial`;
  await pipeline(createReadStream(gz), createGunzip(), createWriteStream(partial));
  chmodSync(partial, 0o755);
  renameSync(partial, binary);
  writeFileSync(binMarker, `${want}\n`);
  log(`unpacked Qdrant ${QDRANT_VERSION} (sha256 verified) into ${binary} in ${secs(Date.now() - t0)}`);
}

// ---------------------------------------------------------------------------------------------- processes

const readPid = () => Number(readFileSafe(pidFile).trim()) || null;

// Alive and still our server: a recycled pid that now belongs to another program does not count.
function isOurs(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (e.code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === binary;
  } catch {
    return process.platform !== 'linux'; // no /proc (macOS): trust the pid
  }
}

function readState() {
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8'));
  } catch {
    return null;
  }
}

async function readyz(url) {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------- commands

async function start() {
  const port = httpPort();
  const url = `http://${HOST}:${port}`;
  const state = readState();
  if (isOurs(readPid())) {
    if (state && state.url !== url) throw new UsageError(`Qdrant is already running at ${state.url}; run \`node scripts/qdrant.mjs stop\` first`);
    log(`already running (pid ${readPid()}); nothing to do`);
    await waitUntilReady({ what: 'Qdrant', isAlive: () => isOurs(readPid()), isReady: () => readyz(url), deadline: Date.now() + START_TIMEOUT_MS, logFile, timeoutMs: START_TIMEOUT_MS, where: `${url}/readyz` });
    console.log(`QDRANT_URL=${url}`);
    return;
  }
  await install();
  for (const p of [port, port + 1]) {
    if (await portOpen(p, HOST)) throw new Error(`port ${p} is already in use by a process this script did not start (set QDRANT_PORT, or stop it)`);
  }
  mkdirSync(storageDir, { recursive: true });
  if (existsSync(logFile)) renameSync(logFile, `${logFile}.1`); // keep the previous run's log
  const out = openSync(logFile, 'a');
  const t0 = Date.now();
  // Run from .cache/qdrant: Qdrant looks for ./config and writes ./.qdrant-initialized relative to its cwd.
  const child = spawn(binary, [], {
    cwd: home,
    detached: true,
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      QDRANT__SERVICE__HOST: HOST, // without it Qdrant listens on every interface
      QDRANT__SERVICE__HTTP_PORT: String(port),
      QDRANT__SERVICE__GRPC_PORT: String(port + 1),
      QDRANT__STORAGE__STORAGE_PATH: storageDir,
      QDRANT__STORAGE__SNAPSHOTS_PATH: snapshotsDir,
      QDRANT__TELEMETRY_DISABLED: 'true',
    },
  });
  closeSync(out);
  child.unref();
  writeFileSync(pidFile, `${child.pid}\n`);
  writeFileSync(stateFile, JSON.stringify({ url, port, pid: child.pid, version: QDRANT_VERSION }, null, 2) + '\n');
  log(`starting Qdrant ${QDRANT_VERSION} (pid ${child.pid}); storage in ${storageDir}, log in ${logFile}`);
  try {
    await waitUntilReady({ what: 'Qdrant', isAlive: () => isOurs(readPid()), isReady: () => readyz(url), deadline: t0 + START_TIMEOUT_MS, logFile, timeoutMs: START_TIMEOUT_MS, where: `${url}/readyz` });
  } catch (e) {
    await stop(false, { quiet: true });
    throw e;
  }
  log(`ready in ${secs(Date.now() - t0)}: ${url}`);
  console.log(`QDRANT_URL=${url}`);
}

async function stop(clean, { quiet = false } = {}) {
  await stopServer({ pidFile, isOurs: (pid) => isOurs(pid), timeoutMs: STOP_TIMEOUT_MS, log, quiet });
  rmSync(stateFile, { force: true });
  if (clean) {
    rmSync(storageDir, { recursive: true, force: true });
    rmSync(snapshotsDir, { recursive: true, force: true });
    log(`deleted ${storageDir}`);
  }
}

async function status() {
  return serverStatus({ state: readState(), pid: readPid(), isOurs: (pid) => isOurs(pid), isReady: readyz, variable: 'QDRANT_URL', log });
}

// ---------------------------------------------------------------------------------------------- main

runServiceCli('qdrant.mjs', { start, stop, status }, log);
