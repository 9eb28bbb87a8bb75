#!/usr/bin/env node
// A real Prometheus for development and the tests, from Debian's `prometheus` package (apt-get install prometheus;
// .ci/run installs it): it scrapes running Relay processes' GET /metrics and evaluates deploy/observability's alerts.
//   node scripts/prometheus.mjs start [[job=]host:port …]   write the config, start detached, wait for /-/ready
//   node scripts/prometheus.mjs stop [--clean]               SIGTERM, wait up to 10 s, SIGKILL; --clean deletes the data
//   node scripts/prometheus.mjs status                       exit 0 when it is up and ready, 3 otherwise
// Targets come from the arguments, else PROMETHEUS_TARGETS (comma-separated), else the embedded app on
// 127.0.0.1:3000; a target without `job=` is in job relay-embedded (the jobs the alerting rules expect are
// relay-embedded, relay-gateway, relay-pipeline, relay-llm-worker). `start` while it runs rewrites the config and
// reloads it (new targets, same port). Progress goes to stderr; `start` and `status` print one line
// `PROMETHEUS_URL=http://127.0.0.1:<port>` on stdout. Everything lives in the git-ignored .cache/prometheus/
// (override with PROMETHEUS_CACHE_DIR). Other settings:
//   PROMETHEUS_PORT             9090, or `auto`: the port it had last time if free, else any free port
//   PROMETHEUS_SCRAPE_INTERVAL  15s (also the rule evaluation interval; the tests use 1s)
//   PROMETHEUS_RULES            deploy/observability/alerts.rules.yml; `none` loads no rules
//   PROMETHEUS_BIN              the prometheus binary, found on PATH by default
import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { choosePort, portOpen, readFileSafe, runServiceCli, secs, serverStatus, stopServer, UsageError, waitUntilReady } from './lib/dev-process.mjs';

const START_TIMEOUT_MS = Number(process.env.PROMETHEUS_START_TIMEOUT_MS ?? 30_000);
const STOP_TIMEOUT_MS = 10_000;
const HOST = '127.0.0.1';
const DEFAULT_PORT = 9090;
const DEFAULT_JOB = 'relay-embedded';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const home = resolve(root, process.env.PROMETHEUS_CACHE_DIR ?? '.cache/prometheus');
const dataDir = join(home, 'data');
const configFile = join(home, 'prometheus.yml');
const logFile = join(home, 'prometheus.log');
const pidFile = join(home, 'prometheus.pid');
const stateFile = join(home, 'state.json');

const log = (msg) => process.stderr.write(`[prometheus] ${msg}\n`);

// ---------------------------------------------------------------------------------------------- settings

/** The prometheus binary: PROMETHEUS_BIN, or the first on PATH. */
function findBinary() {
  const wanted = process.env.PROMETHEUS_BIN;
  if (wanted) {
    if (!existsSync(wanted)) throw new UsageError(`PROMETHEUS_BIN=${wanted} does not exist`);
    return resolve(wanted);
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'prometheus');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error("prometheus not found on PATH: install Debian's prometheus package (apt-get install prometheus), or set PROMETHEUS_BIN");
}

/** `[job=]host:port` entries, grouped by job. */
function parseTargets(entries) {
  const jobs = new Map();
  for (const raw of entries.map((e) => e.trim()).filter(Boolean)) {
    const [job, address] = raw.includes('=') ? raw.split('=', 2) : [DEFAULT_JOB, raw];
    if (!/^[a-zA-Z_][a-zA-Z0-9_-]*$/.test(job)) throw new UsageError(`bad job name in target ${raw}`);
    if (!/^[^\s:/]+:\d{1,5}$/.test(address)) throw new UsageError(`bad target ${raw}: expected [job=]host:port, e.g. relay-gateway=127.0.0.1:3000`);
    jobs.set(job, [...(jobs.get(job) ?? []), address]);
  }
  if (jobs.size === 0) throw new UsageError('no scrape targets');
  return jobs;
}

function scrapeInterval() {
  const value = process.env.PROMETHEUS_SCRAPE_INTERVAL ?? '15s';
  if (!/^\d+(ms|s|m)$/.test(value) || /^0+(ms|s|m)$/.test(value)) throw new UsageError(`bad PROMETHEUS_SCRAPE_INTERVAL: ${value} (a duration such as 1s, 15s, 1m)`);
  return value;
}

function rulesFile() {
  const value = process.env.PROMETHEUS_RULES ?? 'deploy/observability/alerts.rules.yml';
  if (value === 'none') return null;
  const path = isAbsolute(value) ? value : resolve(root, value);
  if (!existsSync(path)) throw new UsageError(`PROMETHEUS_RULES=${value}: no such file`);
  return path;
}

/** The config Prometheus runs with: the scrape targets by job, the interval, the alerting rules. */
function renderConfig(jobs, interval, rules) {
  const lines = [
    '# Written by scripts/prometheus.mjs on every start; edit the targets through its arguments or PROMETHEUS_TARGETS.',
    'global:',
    `  scrape_interval: ${interval}`,
    `  evaluation_interval: ${interval}`,
    `  scrape_timeout: ${interval}`,
  ];
  if (rules) lines.push('rule_files:', `  - ${JSON.stringify(rules)}`);
  lines.push('scrape_configs:');
  for (const [job, addresses] of jobs) {
    lines.push(`  - job_name: ${job}`, '    static_configs:', `      - targets: [${addresses.map((a) => JSON.stringify(a)).join(', ')}]`);
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------- processes

const readPid = () => Number(readFileSafe(pidFile).trim()) || null;

function readState() {
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8'));
  } catch {
    return null;
  }
}

// Alive and still our server: a recycled pid that now belongs to another program does not count.
function isOurs(pid, binary = readState()?.binary) {
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

async function ready(url) {
  try {
    const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------- commands

async function start(args = []) {
  const fromArgs = args.filter((a) => !a.startsWith('--'));
  const jobs = parseTargets(fromArgs.length ? fromArgs : (process.env.PROMETHEUS_TARGETS ?? `${DEFAULT_JOB}=${HOST}:3000`).split(','));
  const config = renderConfig(jobs, scrapeInterval(), rulesFile());
  const state = readState();
  mkdirSync(dataDir, { recursive: true });

  if (state && isOurs(readPid())) {
    // Running: new targets or interval take effect by a reload, on the same port.
    writeFileSync(configFile, config);
    const res = await fetch(`${state.url}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`Prometheus refused the new config (${res.status}): ${(await res.text()).trim()}`);
    log(`already running (pid ${readPid()}); reloaded ${configFile}`);
    console.log(`PROMETHEUS_URL=${state.url}`);
    return;
  }

  const binary = findBinary();
  const port = await choosePort('PROMETHEUS_PORT', DEFAULT_PORT, state?.port, HOST);
  if (await portOpen(port, HOST)) throw new Error(`port ${port} is already in use by a process this script did not start (set PROMETHEUS_PORT, or auto)`);
  writeFileSync(configFile, config);
  const url = `http://${HOST}:${port}`;
  if (existsSync(logFile)) renameSync(logFile, `${logFile}.1`); // keep the previous run's log
  const out = openSync(logFile, 'a');
  const t0 = Date.now();
  const child = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      '--storage.tsdb.retention.time=2d',
      `--web.listen-address=${HOST}:${port}`,
      // POST /-/reload: `start` again with other targets reloads the running server.
      '--web.enable-lifecycle',
    ],
    { cwd: home, detached: true, stdio: ['ignore', out, out] },
  );
  closeSync(out);
  child.unref();
  writeFileSync(pidFile, `${child.pid}\n`);
  writeFileSync(stateFile, JSON.stringify({ url, port, pid: child.pid, binary, jobs: Object.fromEntries(jobs) }, null, 2) + '\n');
  log(`starting ${binary} (pid ${child.pid}); config ${configFile}, data in ${dataDir}, log in ${logFile}`);
  try {
    await waitUntilReady({ what: 'Prometheus', isAlive: () => isOurs(readPid()), isReady: () => ready(url), deadline: t0 + START_TIMEOUT_MS, logFile, timeoutMs: START_TIMEOUT_MS, where: `${url}/-/ready` });
  } catch (e) {
    await stop(false, { quiet: true });
    throw e;
  }
  log(`ready in ${secs(Date.now() - t0)}: ${url} scrapes ${[...jobs].map(([job, a]) => `${job}=${a.join('+')}`).join(', ')}`);
  console.log(`PROMETHEUS_URL=${url}`);
}

async function stop(clean, { quiet = false } = {}) {
  await stopServer({ pidFile, isOurs: (pid) => isOurs(pid), timeoutMs: STOP_TIMEOUT_MS, log, quiet });
  if (clean) {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(stateFile, { force: true });
    log(`deleted ${dataDir}`);
  }
}

async function status() {
  return serverStatus({ state: readState(), pid: readPid(), isOurs: (pid) => isOurs(pid), isReady: ready, variable: 'PROMETHEUS_URL', log });
}

// ---------------------------------------------------------------------------------------------- main

runServiceCli(
  'prometheus.mjs',
  { start, stop, status },
  log,
  'usage: node scripts/prometheus.mjs start [[job=]host:port …] | stop [--clean] | status',
);
