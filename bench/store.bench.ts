import { startEmbeddedRelay, waitReady } from './embedded-relay';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { ChatDoneEvent } from '@relay/contracts';
import { readEnvironment } from '@relay/config';
import { Database } from '@relay/database';
import { FileSessionStore, PostgresSessionStore, type SessionStore, type StoredMessage } from '@relay/session-store';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { io } from 'socket.io-client';
import { loadRelayConfig } from '../apps/relay/src/relay.config';
import { round, summary } from './stats';

// npm run bench:store [-- --sessions 200 --turns 10 --concurrency 16 --chats 160 --chat-concurrency 16 --real-chats 8
//                        --real-max-tokens 16 --rounds 2 --skip-real]
// The session store, file (the embedded default) against PostgreSQL, in the same run:
//   1. each operation's latency (create, append a turn, read the history, a client-message lookup) one at a time,
//      then throughput with many sessions at once, and a cold history read (what a restart or a cache miss costs);
//   2. whole chats through the embedded app (Socket.IO → gateway → pipeline → LLM worker) with STORE=file and with
//      STORE=postgres: with an instant model (an OpenAI-compatible server in this process that streams a fixed answer
//      at once), where the store's cost is visible, and with the real local model, as users run it.
// PostgreSQL: BENCH_DATABASE_URL if set (a fresh database is created on it), else the bench's own throwaway cluster
// (scripts/postgres.mjs in .cache/postgres-bench on a free port), deleted afterwards.
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const SESSIONS = Number(arg('sessions', '200'));
const TURNS = Number(arg('turns', '10'));
const CONCURRENCY = Number(arg('concurrency', '16'));
const CHATS = Number(arg('chats', '160'));
const CHAT_CONCURRENCY = Number(arg('chat-concurrency', '16'));
const REAL_CHATS = Number(arg('real-chats', '8'));
const REAL_MAX_TOKENS = Number(arg('real-max-tokens', '16'));
const SKIP_REAL = process.argv.includes('--skip-real');
const ROUNDS = Number(arg('rounds', '2'));
/** Where the chat phases create their databases and data folders; set in main(). */
const ADMIN = { url: '', scratch: '' };
const BENCH_CACHE = '.cache/postgres-bench';

type Op = 'create' | 'append' | 'history' | 'findClientMessage' | 'rememberClientMessage';
const OPS: Op[] = ['create', 'append', 'history', 'findClientMessage', 'rememberClientMessage'];

async function main(): Promise<void> {
  Logger.overrideLogger(['error']);
  const own = !process.env.BENCH_DATABASE_URL;
  const adminUrl = process.env.BENCH_DATABASE_URL ?? startOwnPostgres();
  const scratch = mkdtempSync(join(tmpdir(), 'relay-store-bench-'));
  Object.assign(ADMIN, { url: adminUrl, scratch });
  const result: Record<string, unknown> = { bench: 'store', sessions: SESSIONS, turns: TURNS, concurrency: CONCURRENCY };
  try {
    log(`# Session store benchmark — file vs PostgreSQL, ${SESSIONS} sessions × ${TURNS} exchanges`);
    const connect = async (name: string, settings = '') => {
      const url = await createDatabase(adminUrl, name, settings);
      const db = await Database.connect({ url, poolSize: CONCURRENCY, statementTimeoutMs: 10_000, connectTimeoutMs: 10_000, applicationName: 'relay-bench' });
      // Every connection of the pool opened (and authenticated) before anything is timed.
      await Promise.all(Array.from({ length: CONCURRENCY }, () => db.query('SELECT pg_sleep(0.05)')));
      return db;
    };
    const db = await connect('relay_bench_ops');
    // The same database with commits not waiting for the WAL flush: a crash of the server may lose the last
    // fraction of a second of turns, never corrupt them. An operator's choice (ALTER DATABASE ... SET), shown for scale.
    const asyncDb = await connect('relay_bench_ops_async', 'synchronous_commit = off');
    log(`PostgreSQL ${(await db.query<{ v: string }>('SELECT current_setting($$server_version$$) AS v')).rows[0].v} at ${new URL(adminUrl).host}; "postgres" is its defaults (fsync, synchronous_commit on), "pg-async" synchronous_commit=off`);
    // make() gives a store over a new place; reopen() a second store over the place of the last one (a restart).
    let lastDir = '';
    const stores: Record<string, { make: () => SessionStore; reopen: () => SessionStore }> = {
      file: { make: () => new FileSessionStore((lastDir = join(scratch, `sessions-${randomUUID()}`))), reopen: () => new FileSessionStore(lastDir) },
      postgres: { make: () => new PostgresSessionStore(db), reopen: () => new PostgresSessionStore(db) },
      'pg-async': { make: () => new PostgresSessionStore(asyncDb), reopen: () => new PostgresSessionStore(asyncDb) },
    };

    // 1a. One operation at a time: latency without queueing.
    const sequential: Record<string, Record<string, unknown>> = {};
    log(`\n## One at a time (${Math.min(SESSIONS, 50)} sessions × ${TURNS} exchanges), ms per operation`);
    log('store      ' + OPS.map((op) => op.padEnd(24)).join(''));
    for (const [name, { make }] of Object.entries(stores)) {
      const { latencies } = await runWorkload(make(), Math.min(SESSIONS, 50), 1);
      sequential[name] = Object.fromEntries(OPS.map((op) => [op, summary(latencies[op])]));
      log(`${name.padEnd(10)} ${OPS.map((op) => `p50 ${summary(latencies[op]).p50} p99 ${summary(latencies[op]).p99}`.padEnd(24)).join('')}`);
    }
    result.oneAtATime = sequential;

    // 1b. Many sessions at once: what a busy gateway asks of its store.
    const concurrent: Record<string, Record<string, unknown>> = {};
    log(`\n## ${CONCURRENCY} sessions at once (${SESSIONS} sessions × ${TURNS} exchanges)`);
    for (const [name, { make, reopen }] of Object.entries(stores)) {
      const run = await runWorkload(make(), SESSIONS, CONCURRENCY);
      const cold = await coldHistoryReads(reopen(), run.sessionIds);
      concurrent[name] = {
        opsPerSec: round(run.ops / run.wallS),
        ...Object.fromEntries(OPS.map((op) => [op, summary(run.latencies[op])])),
        coldHistory: summary(cold),
      };
      log(
        `${name.padEnd(10)} ${round(run.ops / run.wallS)} operations/s; append p50 ${summary(run.latencies.append).p50} p99 ${summary(run.latencies.append).p99} ms; ` +
          `history p50 ${summary(run.latencies.history).p50} p99 ${summary(run.latencies.history).p99} ms; cold history read (${TURNS * 2} turns) p50 ${summary(cold).p50} p99 ${summary(cold).p99} ms`,
      );
    }
    result.concurrent = concurrent;
    const ratio = round((concurrent.postgres.opsPerSec as number) / (concurrent.file.opsPerSec as number), 3);
    result.postgresOverFileOps = ratio;
    log(`postgres ÷ file operations/s: ${ratio}`);
    await Promise.all([db.close(), asyncDb.close()]);

    // 2. Whole chats through the embedded app.
    const llm = await InstantLlmServer.start();
    try {
      const chats: Record<string, unknown> = {};
      const instant = { LLM_PROVIDER: 'openai-compatible', LLM_BASE_URL: llm.baseUrl, LLM_MODEL: 'instant' };
      log(`\n## Chats through the embedded app, instant model: ${CHATS} sessions × 2 messages, ${CHAT_CONCURRENCY} at once, in ${ROUNDS} rounds per store`);
      const instantRatio = await compareStores('instant', instant, CHATS, CHAT_CONCURRENCY, chats);
      result.instantRatio = instantRatio;
      if (!SKIP_REAL) {
        const at = Math.min(4, REAL_CHATS);
        log(`\n## Chats through the embedded app, the real local model (LLM_MAX_TOKENS=${REAL_MAX_TOKENS}): ${REAL_CHATS} sessions × 2 messages, ${at} at once, in ${ROUNDS} rounds per store`);
        result.realRatio = await compareStores('real', { LLM_MAX_TOKENS: String(REAL_MAX_TOKENS) }, REAL_CHATS, at, chats);
      }
      result.chats = chats;
    } finally {
      await llm.close();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    if (own) postgresScript('stop', '--clean');
  }
  console.log(JSON.stringify(result));
  process.exit(0);
}

/**
 * Both stores, in rounds ordered file, postgres, postgres, file, … (ABBA), so a load that drifts during the run (the
 * machine is shared) weighs on both alike; messages and wall time are summed per store.
 */
async function compareStores(kind: string, env: Record<string, string>, sessions: number, concurrency: number, into: Record<string, unknown>): Promise<number> {
  const order = Array.from({ length: ROUNDS }, (_, i) => (i % 2 ? ['postgres', 'file'] : ['file', 'postgres']) as Array<'file' | 'postgres'>).flat();
  const runs: Record<string, Array<Awaited<ReturnType<typeof chatThroughput>>>> = { file: [], postgres: [] };
  for (const [i, store] of order.entries()) {
    const url = store === 'postgres' ? await createDatabase(ADMIN.url, `relay_bench_${kind}_${i}`) : '';
    runs[store].push(await chatThroughput(store, url, env, sessions, concurrency, join(ADMIN.scratch, `${kind}-${store}-${i}`)));
  }
  const perSec: Record<string, number> = {};
  for (const store of ['file', 'postgres'] as const) {
    const messages = runs[store].reduce((n, r) => n + r.messages, 0);
    const wallS = runs[store].reduce((n, r) => n + r.wallS, 0);
    const lat = summary(runs[store].flatMap((r) => r.latencies));
    perSec[store] = round(messages / wallS);
    into[`${kind}-${store}`] = { messages, wallS: round(wallS), messagesPerSec: perSec[store], rounds: runs[store].map((r) => r.messagesPerSec), latencyMs: { p50: round(lat.p50), p99: round(lat.p99) } };
    log(`STORE=${store.padEnd(9)} ${perSec[store]} messages/s (rounds: ${runs[store].map((r) => r.messagesPerSec).join(', ')}); message → chat:done p50 ${round(lat.p50)} ms, p99 ${round(lat.p99)} ms`);
  }
  const ratio = round(perSec.postgres / perSec.file, 3);
  log(`postgres ÷ file messages/s: ${ratio}`);
  return ratio;
}

/** Sessions like a chat's: create, then per exchange a client-message lookup, a history read, two turns. */
async function runWorkload(store: SessionStore, sessions: number, concurrency: number) {
  const latencies = Object.fromEntries(OPS.map((op) => [op, [] as number[]])) as Record<Op, number[]>;
  const timed = async <T>(op: Op, work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const value = await work();
    latencies[op].push(performance.now() - t0);
    return value;
  };
  const sessionIds: string[] = [];
  let ops = 0;
  const one = async () => {
    const sessionId = randomUUID();
    sessionIds.push(sessionId);
    await timed('create', () => store.create({ sessionId, userId: 'bench', createdAt: new Date().toISOString() }));
    for (let t = 0; t < TURNS; t++) {
      const messageId = randomUUID();
      await timed('findClientMessage', () => store.findClientMessage(sessionId, `c${t}`));
      await timed('history', () => store.messages(sessionId));
      await timed('rememberClientMessage', () => store.rememberClientMessage(sessionId, `c${t}`, messageId));
      await timed('append', () => store.appendMessage(sessionId, userTurn(messageId, t)));
      await timed('append', () => store.appendMessage(sessionId, assistantTurn(messageId, t)));
    }
    ops += 1 + TURNS * 5;
  };
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < sessions) {
        next++;
        await one();
      }
    }),
  );
  return { latencies, ops, wallS: (performance.now() - started) / 1000, sessionIds };
}

async function coldHistoryReads(store: SessionStore, sessionIds: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const id of sessionIds.slice(0, 100)) {
    const t0 = performance.now();
    await store.messages(id);
    out.push(performance.now() - t0);
  }
  return out;
}

const userTurn = (messageId: string, t: number): StoredMessage => ({ messageId, role: 'user', text: `Question ${t}: how does Relay keep the history of a chat?`, createdAt: new Date().toISOString() });

const assistantTurn = (messageId: string, t: number): StoredMessage => ({
  messageId,
  role: 'assistant',
  text: `Answer ${t}: `.padEnd(600, 'history is kept per session, one turn at a time. '),
  createdAt: new Date().toISOString(),
  finishReason: 'stop',
  citations: [1, 2, 3].map((n) => ({ n, documentId: `kb:doc-${n}`, title: `Doc ${n} › Section`, source: `docs/doc-${n}.md`, snippet: 'A passage of the source, '.repeat(8), score: 0.5, highlights: [{ start: 0, end: 9 }], cited: n === 1 })),
  details: { moderation: { action: 'none' }, usage: { promptTokens: 812, completionTokens: 120 }, model: 'bench', timings: { stages: [{ stage: 'llm-worker', queuedMs: 1, handledMs: 900 }], firstTokenMs: 300, totalMs: 950 } },
});

/** The embedded app with STORE=file or STORE=postgres; each of `sessions` sends two messages, one after the other. */
async function chatThroughput(store: 'file' | 'postgres', databaseUrl: string, env: Record<string, string>, sessions: number, concurrency: number, dataDir: string) {
  const config = loadRelayConfig({
    ...readEnvironment(),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    HOST: '127.0.0.1',
    AUTH_SECRET: 'bench-secret-bench-secret-bench-secret',
    TRANSPORT: 'in-process',
    TRANSPORT_QUEUE_CAPACITY: '4096',
    CHAT_RATE_BURST: '1000',
    SEED_KNOWLEDGE_BASE: 'false',
    STORE: store,
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '10',
    ...env,
  });
  const { app, url } = await startEmbeddedRelay(config);
  await waitReady(url);
  await chatSession(url); // warm-up: models loaded, connections open
  const latencies: number[] = [];
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < sessions) {
        next++;
        latencies.push(...(await chatSession(url)));
      }
    }),
  );
  const wallS = (performance.now() - started) / 1000;
  await app.close();
  return { messages: latencies.length, wallS, messagesPerSec: round(latencies.length / wallS), latencies };
}

/** One session: create it over REST, send two messages over Socket.IO one after the other; each message's latency. */
async function chatSession(url: string): Promise<number[]> {
  const res = await fetch(`${url}/api/sessions`, { method: 'POST' });
  const { sessionId, token } = (await res.json()) as { sessionId: string; token: string };
  const socket = io(`${url}/chat`, { auth: { token }, transports: ['websocket'], reconnection: false });
  try {
    await new Promise<void>((ok, fail) => {
      socket.once('connect', ok);
      socket.once('connect_error', fail);
    });
    const out: number[] = [];
    for (const [i, text] of ['How does Relay keep a chat history?', 'And where is it stored?'].entries()) {
      const t0 = performance.now();
      await new Promise<void>((ok, fail) => {
        const done = (e: ChatDoneEvent) => e.sessionId === sessionId && (socket.off('chat:done', done), ok());
        socket.on('chat:done', done);
        socket.once('chat:error', (e: { code: string }) => fail(new Error(`chat:error ${e.code}`)));
        socket.emit('chat:send', { sessionId, clientMessageId: `m${i}`, text }, (ack: { ok: boolean }) => {
          if (!ack.ok) fail(new Error(`send refused: ${JSON.stringify(ack)}`));
        });
      });
      out.push(performance.now() - t0);
    }
    return out;
  } finally {
    socket.close();
  }
}

/** An OpenAI-compatible server that streams a fixed short answer at once: the model costs nothing, the rest shows. */
class InstantLlmServer {
  private constructor(private readonly server: Server) {}

  static async start(): Promise<InstantLlmServer> {
    const words = 'Relay keeps each chat history per session in the store. '.split(/(?<= )/);
    const server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ object: 'list', data: [{ id: 'instant', object: 'model', owned_by: 'bench' }] }));
      }
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const chunk = (body: unknown) => `data: ${JSON.stringify(body)}\n\n`;
        res.write(words.map((w) => chunk({ choices: [{ delta: { content: w }, finish_reason: null }] })).join(''));
        res.write(chunk({ choices: [{ delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 100, completion_tokens: words.length } }));
        res.end('data: [DONE]\n\n');
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    return new InstantLlmServer(server);
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}/v1`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((ok) => this.server.close(() => ok()));
  }
}

function postgresScript(...args: string[]): string {
  return execFileSync(process.execPath, [join(__dirname, '../../scripts/postgres.mjs'), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    env: { ...process.env, POSTGRES_CACHE_DIR: BENCH_CACHE, POSTGRES_PORT: 'auto' },
  });
}

function startOwnPostgres(): string {
  postgresScript('stop', '--clean'); // a fresh cluster: no bloat from an earlier run
  const line = postgresScript('start')
    .split('\n')
    .find((l) => l.startsWith('DATABASE_URL='));
  if (!line) throw new Error('scripts/postgres.mjs start printed no DATABASE_URL');
  return line.slice('DATABASE_URL='.length);
}

async function createDatabase(adminUrl: string, name: string, settings = ''): Promise<string> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
    if (settings) await client.query(`ALTER DATABASE ${name} SET ${settings}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}


function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
