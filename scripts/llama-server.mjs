#!/usr/bin/env node
// An OpenAI-compatible model server that no one here wrote (llama-cpp-python), for the provider contract tests and
// for trying LLM_PROVIDER=openai-compatible by hand. Built from PyPI into a git-ignored venv once, then reused.
//   node scripts/llama-server.mjs install                        build the venv if missing (once; 3-16 min on 2 cores, see below)
//   node scripts/llama-server.mjs start [--port N] [--embedding]  start a server, wait for GET /v1/models, print JSON
//   node scripts/llama-server.mjs stop [--port N]                 stop the server on N, or every server started here
// Environment: PYTHON (default python3), LLAMA_SERVER_MODEL (default models/SmolLM2-135M-Instruct.Q4_1.gguf),
// LLAMA_CPP_PYTHON_VERSION (default 0.3.36, the version checked here).
// `start` prints one JSON line on stdout: { "pid", "port", "baseUrl", "model", "log" }; progress goes to stderr.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './lib/dev-process.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const home = join(root, '.cache/llama-cpp-python');
const venv = join(home, 'venv');
const venvPython = join(venv, 'bin/python');
const version = process.env.LLAMA_CPP_PYTHON_VERSION ?? '0.3.36';
const installedStamp = join(venv, '.relay-installed');
const lockDir = join(home, '.install-lock');
const model = resolve(root, process.env.LLAMA_SERVER_MODEL ?? 'models/SmolLM2-135M-Instruct.Q4_1.gguf');

const log = (msg) => process.stderr.write(`[llama-server] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const args = process.argv.slice(2);
const command = args[0];
const option = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};

function isInstalled() {
  return existsSync(installedStamp) && readFileSync(installedStamp, 'utf8').trim() === version;
}

async function install() {
  if (isInstalled()) return;
  mkdirSync(home, { recursive: true });
  // mkdir is atomic: a second concurrent `start` waits for the first one's build instead of building over it.
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      log('another process is building the venv; waiting');
      while (existsSync(lockDir)) await sleep(2000);
      if (isInstalled()) return;
    }
  }
  try {
    const started = Date.now();
    const python = process.env.PYTHON ?? 'python3';
    rmSync(venv, { recursive: true, force: true });
    run(python, ['-m', 'venv', venv]);
    // Measured here: 16.5 min wall (17 min CPU) on 2 busy cores; ~3 min reported on an idle machine.
    log(`building llama-cpp-python[server]==${version} from source, once (several minutes on 2 cores)`);
    run(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', `llama-cpp-python[server]==${version}`], {
      // Portable CPU build (no -march=native), and no libcurl: models are local files.
      CMAKE_ARGS: '-DGGML_NATIVE=OFF -DLLAMA_CURL=OFF',
    });
    writeFileSync(installedStamp, `${version}\n`);
    log(`venv ready in ${Math.round((Date.now() - started) / 1000)} s: ${venv}`);
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function run(cmd, cmdArgs, env = {}) {
  const res = spawnSync(cmd, cmdArgs, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  if (res.status !== 0) throw new Error(`${cmd} ${cmdArgs.join(' ')} failed (exit ${res.status ?? res.error?.message})`);
}

const pidFile = (port) => join(home, `server-${port}.pid`);

async function start() {
  if (!existsSync(model)) throw new Error(`model file ${model} is missing: run node scripts/setup-models.mjs`);
  await install();
  const port = Number(option('port') ?? (await freePort()));
  const embedding = args.includes('--embedding');
  const logPath = join(home, `server-${port}.log`);
  const out = openSync(logPath, 'w');
  const serverArgs = ['-m', 'llama_cpp.server', '--model', model, '--host', '127.0.0.1', '--port', String(port), '--n_threads', '1', '--n_ctx', '2048'];
  if (embedding) serverArgs.push('--embedding', 'true');
  // Detached, with its output in a file, so this script can exit and the server outlives it until `stop`.
  const child = spawn(venvPython, serverArgs, { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  const baseUrl = `http://127.0.0.1:${port}/v1`;
  const info = { pid: child.pid, port, baseUrl, model, embedding, log: logPath };
  writeFileSync(pidFile(port), JSON.stringify(info));

  let exited = null;
  child.once('exit', (code, signal) => (exited = code ?? signal));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited !== null) break;
    try {
      const res = await fetch(`${baseUrl}/models`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) {
        process.stdout.write(`${JSON.stringify(info)}\n`);
        return;
      }
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  stopPid(child.pid);
  rmSync(pidFile(port), { force: true });
  const tail = existsSync(logPath) ? readFileSync(logPath, 'utf8').split('\n').slice(-20).join('\n') : '';
  throw new Error(`llama-cpp-python server did not answer GET ${baseUrl}/models (${exited !== null ? `exited: ${exited}` : 'timed out'}):\n${tail}`);
}

function stopPid(pid) {
  try {
    // The server is a process group leader (detached), so this also ends anything it started.
    process.kill(-pid, 'SIGTERM');
  } catch {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

async function stop() {
  const port = option('port');
  const files = port ? [`server-${port}.pid`] : existsSync(home) ? readdirSync(home).filter((f) => /^server-\d+\.pid$/.test(f)) : [];
  for (const file of files) {
    const path = join(home, file);
    if (!existsSync(path)) continue;
    const { pid, port: p, log: logPath } = JSON.parse(readFileSync(path, 'utf8'));
    stopPid(pid);
    // Wait for it to go, so a test's afterAll leaves no process behind.
    for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(path, { force: true });
    if (logPath) rmSync(logPath, { force: true });
    log(`stopped server on port ${p} (pid ${pid})`);
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const commands = { install, start, stop };
if (!commands[command]) {
  log('usage: node scripts/llama-server.mjs install | start [--port N] [--embedding] | stop [--port N]');
  process.exit(2);
}
commands[command]().catch((err) => {
  log(err.message);
  process.exit(1);
});
