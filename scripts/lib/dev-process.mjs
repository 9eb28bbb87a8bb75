// Small helpers shared by the scripts that run a development server in the background (kafka.mjs, qdrant.mjs):
// waiting, reading a file that may not exist, a log's last lines, a port probe, a signal to a pid that may be gone,
// and the command-line exit codes (0 done, 1 failed, 2 misused).
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

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
