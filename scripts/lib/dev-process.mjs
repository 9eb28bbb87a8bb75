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
