import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/** A free TCP port on localhost. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
    server.on('error', fail);
  });
}

/**
 * The built embedded app (`dist/apps/relay/src/main.js`, what `npm start` runs) as a child process with the real
 * models, on its own port and data folder.
 */
export class RelayProcess {
  /** Every process this test file started and has not stopped: a failed start-up must not leave one behind. */
  private static readonly started = new Set<RelayProcess>();
  private child?: ChildProcess;
  output = '';
  readonly baseUrl: string;

  private constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly env: Record<string, string>,
    private readonly entry: string,
  ) {
    this.baseUrl = `http://127.0.0.1:${port}`;
  }

  /** `entry` is a built main under dist/: the embedded app by default, or one app of the distributed mode. */
  static async start(
    env: Record<string, string> = {},
    dataDir = mkdtempSync(join(tmpdir(), 'relay-e2e-')),
    entry = 'apps/relay/src/main.js',
    /** `live`: return once the process answers /health/live, before it is ready (models loaded, knowledge base indexed). */
    until: 'ready' | 'live' = 'ready',
    /** A port chosen beforehand (e.g. registered at an OpenID provider as the redirect URI's); a free one if not given. */
    port?: number,
  ): Promise<RelayProcess> {
    const relay = new RelayProcess(port ?? (await freePort()), dataDir, env, entry);
    try {
      await relay.launch(until);
    } catch (err) {
      await relay.stop(); // never ready: it must not linger into the next tests
      throw err;
    }
    return relay;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Ends the process at once, as a crash would (SIGKILL): no shutdown hooks, nothing committed. */
  kill(): void {
    this.child?.kill('SIGKILL');
  }

  /** The process id while it runs (a trace's spans name the process they came from by it). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** How the process ended: its exit code, or the signal that ended it; undefined while it runs. */
  get exit(): number | string | undefined {
    return this.child?.exitCode ?? this.child?.signalCode ?? undefined;
  }

  /**
   * Stops whatever a test file left running (test/support/stop-strays.ts runs it after each file): when one of several
   * processes started together fails, the others' handles are lost to the test, and their pipes would keep Jest
   * from exiting.
   */
  static async stopAll(): Promise<void> {
    await Promise.all([...RelayProcess.started].map((p) => p.stop()));
  }

  async stop(): Promise<void> {
    RelayProcess.started.delete(this);
    const child = this.child;
    // A process ended by a signal (kill()) has signalCode set and exitCode still null.
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((ok) => child.once('exit', ok));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  private async launch(until: 'ready' | 'live' = 'ready'): Promise<void> {
    RelayProcess.started.add(this);
    this.child = spawn(process.execPath, [join(ROOT, 'dist', this.entry)], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(this.port),
        HOST: '127.0.0.1',
        DATA_DIR: this.dataDir,
        AUTH_SECRET: 'e2e-secret-that-is-long-enough-to-sign-tokens',
        LOG_LEVEL: process.env.RELAY_E2E_LOG_LEVEL ?? 'warn',
        // Tests of the plumbing run on the tiny model, for speed; a test about answers names the model it needs.
        LLM_LOCAL_MODEL: 'smollm2-135m',
        // And every question reaches the model: the relevance gate would answer "not in your documents" at once to
        // the made-up questions they send. The grounded-answers test turns it on.
        RELEVANCE_GATE: 'false',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d) => (this.output += d));
    this.child.stderr!.on('data', (d) => (this.output += d));
    // RELAY_E2E_LOG_DIR=/some/dir keeps every process's output in a file, for a failure's post-mortem.
    const logDir = process.env.RELAY_E2E_LOG_DIR;
    if (logDir) {
      const file = createWriteStream(join(logDir, `${this.entry.split('/')[1]}-${this.port}.log`), { flags: 'a' });
      this.child.stdout!.pipe(file, { end: false });
      this.child.stderr!.pipe(file, { end: false });
    }
    // A pipeline indexes the sample knowledge base before it is ready: ~80 s on a loaded 2-core machine.
    await this.waitUntilReady(150_000, until);
  }

  private async waitUntilReady(timeoutMs: number, until: 'ready' | 'live' = 'ready'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child?.exitCode !== null) throw new Error(`relay exited (${this.child?.exitCode}):\n${this.output}`);
      try {
        const res = await fetch(`${this.baseUrl}/health/${until}`);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`relay not ready after ${timeoutMs} ms:\n${this.output}`);
  }
}

/** The distributed mode's apps, each its own process, as a test starts them. */
export interface RelayApps {
  all: RelayProcess[];
  gateways: RelayProcess[];
  pipelines: RelayProcess[];
  llmWorkers: RelayProcess[];
}

/**
 * Starts gateways, pipelines and LLM workers as separate processes with `env`: the first gateway alone (the first
 * process creates the topics), then the rest together. Gateways share one data folder, so a session created on one
 * is known to the others; every other process gets a data folder of its own.
 */
export async function startRelayApps(env: Record<string, string>, counts: { gateways: number; pipelines: number; llmWorkers: number }): Promise<RelayApps> {
  const gatewayData = mkdtempSync(join(tmpdir(), 'relay-gw-'));
  const apps: RelayApps = { all: [], gateways: [], pipelines: [], llmWorkers: [] };
  const start = async (entry: string, into: RelayProcess[], dataDir?: string) => {
    const p = await RelayProcess.start(env, dataDir, entry);
    into.push(p);
    apps.all.push(p);
  };
  try {
    await start('apps/gateway/src/main.js', apps.gateways, gatewayData);
    await Promise.all([
      ...Array.from({ length: counts.gateways - 1 }, () => start('apps/gateway/src/main.js', apps.gateways, gatewayData)),
      ...Array.from({ length: counts.pipelines }, () => start('apps/pipeline/src/main.js', apps.pipelines)),
      ...Array.from({ length: counts.llmWorkers }, () => start('apps/llm-worker/src/main.js', apps.llmWorkers)),
    ]);
  } catch (err) {
    // One process never got ready: stop every other one, so no stray process burdens the suites that follow.
    await Promise.allSettled(apps.all.map((p) => p.stop()));
    throw err;
  }
  return apps;
}
