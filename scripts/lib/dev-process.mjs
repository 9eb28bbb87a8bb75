// Small helpers shared by the scripts that run a development server in the background (kafka.mjs, qdrant.mjs,
// postgres.mjs, prometheus.mjs, llama-server.mjs):
// waiting, reading a file that may not exist, a log's last lines, a port probe, a signal to a pid that may be gone,
// and the command-line exit codes (0 done, 1 failed, 2 misused).
import { readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';

export class UsageError extends Error {}

export const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
export const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

export function readFileSafe(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export function tail(text, lines) {
  return text.trimEnd().split('\n').slice(-lines).join('\n') + '\n';
}

/** True when something accepts TCP connections on host:port within timeoutMs. */
export function portOpen(port, host, timeoutMs = 1000) {
  return new Promise((ok) => {
    const sock = connect({ port, host });
    const done = (v) => {
      sock.destroy();
      ok(v);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** A TCP port nothing listens on right now, on host. */
export function freePort(host = '127.0.0.1') {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/**
 * The port named by the environment variable `variable` (its default when unset), or for `auto` (or 0) the port
 * the server had last time if that is free, else any free port. A bad value is a UsageError naming the variable.
 */
export async function choosePort(variable, defaultPort, previous, host = '127.0.0.1') {
  const wanted = process.env[variable] ?? String(defaultPort);
  if (wanted === 'auto' || wanted === '0') {
    if (previous && !(await portOpen(previous, host))) return previous;
    return freePort(host);
  }
  const port = Number(wanted);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new UsageError(`bad ${variable}: ${wanted} (a port number, or auto)`);
  return port;
}

/**
 * Polls `isReady()` until it says yes; if the process dies (`isAlive()` false) or the deadline passes, prints the
 * last lines of its log and throws, naming `what`.
 */
export async function waitUntilReady({ what, isAlive, isReady, deadline, logFile, timeoutMs, where }) {
  const showLog = () => process.stderr.write(`--- last lines of ${logFile} ---\n${tail(readFileSafe(logFile) || '(no log)', 40)}`);
  for (;;) {
    if (!isAlive()) {
      showLog();
      throw new Error(`${what} exited during startup; see its log above`);
    }
    if (await isReady()) return;
    if (Date.now() > deadline) {
      showLog();
      throw new Error(`${what} not ready at ${where} after ${secs(timeoutMs)}; log above`);
    }
    await sleep(100);
  }
}

/** SIGTERM, up to timeoutMs for the process to go (`isAlive()` false), then SIGKILL and up to 5 s more. */
export async function terminate(pid, isAlive, timeoutMs, log) {
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && isAlive()) await sleep(50);
  if (!isAlive()) return;
  log(`still up after ${secs(timeoutMs)}; sending SIGKILL`);
  signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 5000;
  while (Date.now() < killDeadline && isAlive()) await sleep(50);
}

/**
 * `stop` of a one-process server: terminates the pid in pidFile if it is still the server's (`isOurs(pid)`), says
 * so unless quiet, and removes the pid file.
 */
export async function stopServer({ pidFile, isOurs, timeoutMs, log, quiet = false }) {
  const pid = Number(readFileSafe(pidFile).trim()) || null;
  if (!isOurs(pid)) {
    if (!quiet) log(pid ? 'not running (removing a stale pid file)' : 'not running');
  } else {
    const t0 = Date.now();
    await terminate(pid, () => isOurs(pid), timeoutMs, log);
    if (!quiet) log(`stopped in ${secs(Date.now() - t0)}`);
  }
  rmSync(pidFile, { force: true });
}

/**
 * `status` of a one-process server: 0 and a `VARIABLE=url` line on stdout when it runs and `isReady(url)`, 3
 * otherwise.
 */
export async function serverStatus({ state, pid, isOurs, isReady, variable, log }) {
  if (!state || !isOurs(pid)) {
    log('not running');
    return 3;
  }
  const ready = await isReady(state.url);
  log(`pid ${pid}, ${state.url}: ${ready ? 'ready' : 'NOT ready'}`);
  if (ready) console.log(`${variable}=${state.url}`);
  return ready ? 0 : 3;
}

/** Sends a signal; a process that is already gone is not an error. */
export function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch (e) {
    if (e.code !== 'ESRCH') throw e;
  }
}

/** Runs a script's main(argv) and exits with its code: 1 on failure, 2 on a UsageError. */
export function runCli(main, log) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      log(`error: ${e.message}`);
      process.exit(e instanceof UsageError ? 2 : 1);
    },
  );
}

/**
 * The command line every local service script shares (`start | stop [--clean] | status`): runs the matching
 * function and exits with its code (status returns 0 when the service answers, 3 when it does not). `start` is given
 * the arguments after it (prometheus.mjs takes its scrape targets there).
 */
export function runServiceCli(script, { start, stop, status }, log, usage = `usage: node scripts/${script} start | stop [--clean] | status`) {
  runCli(async ([cmd, ...rest]) => {
    switch (cmd) {
      case 'start':
        await start(rest);
        return 0;
      case 'stop':
        await stop(rest.includes('--clean'));
        return 0;
      case 'status':
        return status();
      case undefined:
      case '-h':
      case '--help':
        console.log(usage);
        return cmd ? 0 : 2;
      default:
        throw new UsageError(`unknown command ${cmd}\n${usage}`);
    }
  }, log);
}
