#!/usr/bin/env node
// What `npm run start:gateway|start:pipeline|start:llm-worker` run before starting: the setup (`.env`, model files,
// only if missing) and the build, safe to run from several terminals at once. Started together, the three used to
// build at the same time into the same dist/ (Vite refuses: "Found another Vite build process for this project",
// and the process exits), and could each write a different AUTH_SECRET. Here one process at a time holds a lock
// file; the first builds, the others wait for it and then find the build up to date (a hash of every build input
// matches the one stored beside the output) and start at once.
//   node scripts/build-once.mjs                  setup if missing, then build unless dist/ is up to date
//   node scripts/build-once.mjs --force          build even if up to date
// For tests: --root <dir> (project whose inputs are hashed, default this checkout), --build-command "<cmd>"
// (default `npm run build`), --no-setup, --wait-timeout-ms <n>.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSafe, runCli, secs, sleep, UsageError } from './lib/dev-process.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = (msg) => process.stderr.write(`[build-once] ${msg}\n`);

/** What the build reads: the TypeScript of every app, library and bench, the web client, and the project files. */
const INPUT_DIRS = ['apps', 'libs', 'bench'];
const INPUT_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json'];
/** What the start scripts run: a build without them is not up to date, whatever the hash says. */
const OUTPUTS = ['dist/apps/gateway/src/main.js', 'dist/apps/pipeline/src/main.js', 'dist/apps/llm-worker/src/main.js', 'dist/web/index.html'];

function options(argv) {
  const opts = { root: repo, buildCommand: 'npm run build', setup: true, force: false, waitTimeoutMs: 15 * 60_000 };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      if (i + 1 >= argv.length) throw new UsageError(`${argv[i]} needs a value`);
      return argv[++i];
    };
    if (argv[i] === '--root') opts.root = resolve(value());
    else if (argv[i] === '--build-command') opts.buildCommand = value();
    else if (argv[i] === '--no-setup') opts.setup = false;
    else if (argv[i] === '--force') opts.force = true;
    else if (argv[i] === '--wait-timeout-ms') opts.waitTimeoutMs = Number(value());
    else throw new UsageError(`unknown option ${argv[i]}`);
  }
  if (!Number.isFinite(opts.waitTimeoutMs) || opts.waitTimeoutMs <= 0) throw new UsageError('--wait-timeout-ms must be a positive number');
  return opts;
}

/** sha256 over every input file's path and content, in a stable order. */
function inputsHash(root) {
  const hash = createHash('sha256');
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  for (const dir of INPUT_DIRS) if (existsSync(join(root, dir))) walk(join(root, dir));
  for (const file of INPUT_FILES) if (existsSync(join(root, file))) files.push(join(root, file));
  for (const file of files.map((f) => relative(root, f).split('\\').join('/')).sort()) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(root, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

const stampPath = (root) => join(root, 'dist', '.build-inputs.sha256');

function upToDate(root, hash) {
  return readFileSafe(stampPath(root)).trim() === hash && OUTPUTS.every((out) => existsSync(join(root, out)));
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/**
 * Takes the lock (a file created exclusively, holding our pid), waiting while a live process holds it. A lock left
 * by a process that died (killed mid-build) is taken over.
 */
async function lock(path, timeoutMs) {
  mkdirSync(dirname(path), { recursive: true });
  const started = Date.now();
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeFileSync(fd, `${process.pid}\n`);
      closeSync(fd);
      // Two waiters that take over the same dead process's lock at once could each delete the other's fresh lock:
      // whoever finds another pid in the file a moment later lost and waits again.
      await sleep(50);
      if (Number(readFileSafe(path).trim()) === process.pid) return;
      continue;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    const holder = Number(readFileSafe(path).trim());
    // An empty file is a lock being written this instant: give its owner a moment.
    if (holder > 0 && !alive(holder)) {
      log(`taking over the lock of process ${holder}, which is gone`);
      rmSync(path, { force: true });
      continue;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`another build (pid ${holder || '?'}) still holds ${path} after ${secs(timeoutMs)}; delete the file if no build runs`);
    if (!announced) log(`waiting for the build in process ${holder || '?'} to finish`);
    announced = true;
    await sleep(200);
  }
}

function run(command, cwd) {
  const res = spawnSync(command, { cwd, stdio: 'inherit', shell: true });
  return res.status ?? 1;
}

async function main(argv) {
  const opts = options(argv);
  const lockPath = join(opts.root, '.cache', 'build.lock');
  await lock(lockPath, opts.waitTimeoutMs);
  const release = () => rmSync(lockPath, { force: true });
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => (release(), process.exit(130)));
  try {
    if (opts.setup) {
      const code = run(`"${process.execPath}" scripts/setup.mjs --if-missing`, opts.root);
      if (code !== 0) return code;
    }
    const hash = inputsHash(opts.root);
    if (!opts.force && upToDate(opts.root, hash)) {
      log('build is up to date');
      return 0;
    }
    // A build that fails half-way must not look up to date next time.
    rmSync(stampPath(opts.root), { force: true });
    const started = Date.now();
    const code = run(opts.buildCommand, opts.root);
    if (code !== 0) return code;
    mkdirSync(dirname(stampPath(opts.root)), { recursive: true });
    writeFileSync(stampPath(opts.root), `${hash}\n`);
    log(`built in ${secs(Date.now() - started)}`);
    return 0;
  } finally {
    release();
  }
}

runCli(main, log);
